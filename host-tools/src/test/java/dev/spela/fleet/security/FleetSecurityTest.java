package dev.spela.fleet.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.boards.device.DeviceCredentials;
import dev.spela.fleet.security.FleetAccounts.Account;
import dev.spela.fleet.security.FleetAccounts.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetSecurityTest {

  @Test
  void firstUseCreatesCaBrokerCertificateAndHostAccount(@TempDir Path dir) throws Exception {
    Path folder = dir.resolve("fleet");
    FleetSecurity fleet = FleetSecurity.open(folder);
    for (String file :
        List.of("ca.crt", "ca.key", "broker.crt", "broker.key", "accounts", "host.password")) {
      assertTrue(Files.exists(folder.resolve(file)), file);
    }
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve("ca.key"))));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(folder.resolve("host.password"))));
    var broker = fleet.authority().brokerCertificate();
    broker.verify(fleet.authority().caCertificate().getPublicKey());
    assertTrue(
        broker.getSubjectAlternativeNames().stream().anyMatch(n -> n.get(1).equals("127.0.0.1")));
    String hostPassword = fleet.hostClient().password();
    assertTrue(
        PasswordHash.matches(
            hostPassword, fleet.accounts().find("host").orElseThrow().passwordHash()));

    // Opened again: the same CA and host password; a new broker name gets a new broker certificate.
    FleetSecurity again = FleetSecurity.open(folder, List.of("broker.example.org"));
    assertEquals(fleet.authority().caCertificate(), again.authority().caCertificate());
    assertEquals(hostPassword, again.hostClient().password());
    assertNotEquals(broker, again.authority().brokerCertificate());
    assertTrue(
        again.authority().brokerCertificate().getSubjectAlternativeNames().stream()
            .anyMatch(n -> n.get(1).equals("broker.example.org")));
    assertEquals(
        again.authority().brokerCertificate(),
        FleetSecurity.open(folder).authority().brokerCertificate());
  }

  @Test
  void aRevokedDeviceLosesItsAccountsAndItsKeyAndHostsForgetIt(@TempDir Path dir) throws Exception {
    FleetSecurity fleet = FleetSecurity.open(dir.resolve("fleet"));
    MessageKeys keys = fleet.messageKeys();
    fleet.enrolDevice("vd-1", "lab");
    FleetSecurity.Issued claimed = fleet.issueToClaim("SN-7", "lab");
    fleet.accounts().put(new FleetAccounts.Account("SN-7", FleetAccounts.Role.CLAIM, null, PasswordHash.of("x")));
    String device = claimed.device().deviceId();
    assertTrue(keys.deviceKey(device).isPresent());

    assertEquals(new FleetSecurity.Revoked(true, true, true), fleet.revoke(device));
    assertTrue(fleet.accounts().find(device).isEmpty(), "its login is refused");
    assertTrue(fleet.accounts().find("SN-7").isEmpty(), "and it cannot claim a new identity");
    assertTrue(fleet.devices().byDevice(device).isEmpty());
    assertTrue(keys.deviceKey(device).isEmpty(), "a running host re-reads the keys: messages dropped");
    assertTrue(keys.deviceKey("vd-1").isPresent(), "the others stay");
    assertFalse(fleet.revoke(device).any(), "nothing left to revoke");
  }

  @Test
  void aLocalDeviceIsEnrolledOnceAndKeepsItsCredentialsWhileTheFleetAdmitsThem(@TempDir Path dir)
      throws Exception {
    FleetSecurity fleet = FleetSecurity.open(dir.resolve("fleet"));
    Path state = dir.resolve("devices/vd-1");
    DeviceCredentials first = fleet.deviceCredentials("vd-1", "lab", state);
    assertEquals(first, DeviceCredentials.load(state), "stored in the device's state");
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(state.resolve(DeviceCredentials.FILE))));
    assertTrue(PasswordHash.matches(first.password(), fleet.accounts().find("vd-1").orElseThrow().passwordHash()));
    assertEquals(32, first.deviceKey().length);
    assertTrue(java.util.Arrays.equals(fleet.hostPublicKey(), first.hostPublicKey()));
    assertTrue(java.util.Arrays.equals(first.deviceKey(),
        fleet.devices().byClaim("vd-1").orElseThrow().deviceKey()), "the host knows the device key");
    assertEquals(first, fleet.deviceCredentials("vd-1", "lab", state), "a restart keeps them");

    fleet.accounts().remove("vd-1"); // revoked, or a fleet folder made anew: enrolled again
    DeviceCredentials second = fleet.deviceCredentials("vd-1", "lab", state);
    assertNotEquals(first.password(), second.password());
    assertEquals(second, DeviceCredentials.load(state));
    assertNotEquals(second, fleet.deviceCredentials("vd-1", "other-group", state), "a new group, a new account");
  }

  @Test
  void devicesEnrollingAtOnceThroughTwoHandlesOfTheFolderAllKeepTheirAccounts(@TempDir Path dir)
      throws Exception {
    FleetSecurity first = FleetSecurity.open(dir.resolve("fleet"));
    FleetSecurity second = FleetSecurity.open(dir.resolve("fleet")); // as a second process would
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      List<java.util.concurrent.Future<DeviceCredentials>> enrolled = new java.util.ArrayList<>();
      for (int k = 0; k < 20; k++) {
        FleetSecurity fleet = k % 2 == 0 ? first : second;
        String id = "vd-" + k;
        enrolled.add(pool.submit(() -> fleet.enrolDevice(id, "lab")));
      }
      for (java.util.concurrent.Future<DeviceCredentials> credentials : enrolled) {
        DeviceCredentials c = credentials.get();
        Account account = first.accounts().find(c.deviceId()).orElseThrow(() -> new AssertionError(c.deviceId()));
        assertTrue(PasswordHash.matches(c.password(), account.passwordHash()), c.deviceId());
        assertTrue(first.devices().byClaim(c.deviceId()).isPresent(), c.deviceId() + " registered");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void accountsAreSharedThroughTheFileAndValidated(@TempDir Path dir) throws Exception {
    FleetAccounts writer = FleetAccounts.open(dir.resolve("accounts"));
    FleetAccounts reader = FleetAccounts.open(dir.resolve("accounts"));
    assertTrue(reader.find("dev-1").isEmpty());
    writer.put(new Account("dev-1", Role.DEVICE, "lab", PasswordHash.of("p")));
    assertEquals(
        "lab", reader.find("dev-1").orElseThrow().group(), "another reader sees the new account");
    assertTrue(writer.remove("dev-1"));
    assertFalse(reader.find("dev-1").isPresent(), "and sees it revoked");
    assertThrows(IllegalArgumentException.class, () -> new Account("a/b", Role.CLAIM, null, "h"));
    assertThrows(
        IllegalArgumentException.class, () -> new Account("dev-2", Role.DEVICE, null, "h"));
    writer.put(new Account("SN-1", Role.CLAIM, null, "h"));
    assertThrows(
        IllegalArgumentException.class,
        () -> writer.put(new Account("SN-1", Role.DEVICE, "lab", "h")));
  }
}
