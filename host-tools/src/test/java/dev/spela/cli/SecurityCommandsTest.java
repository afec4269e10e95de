package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.data.Fixture;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** spela broker, provision and mosquitto-config: their security options and one-line errors. */
class SecurityCommandsTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return SpelaCommand.execute(out, err, args);
  }

  @Test
  void fleetRevokeRemovesTheDeviceOrSaysItIsUnknown(@TempDir Path dir) throws Exception {
    Path fleet = dir.resolve("fleet");
    dev.spela.fleet.security.FleetSecurity.open(fleet).enrolDevice("vd-9", "lab");
    assertEquals(0, run("fleet", "revoke", "vd-9", "--fleet", fleet.toString()), err.toString());
    assertTrue(out.toString().contains("revoked vd-9: account removed, device key forgotten"), out.toString());
    assertEquals(1, run("fleet", "revoke", "vd-9", "--fleet", fleet.toString()));
    assertEquals("spela: no device vd-9 in the fleet folder " + fleet + "\n", err.toString());
  }

  @Test
  void mosquittoConfigWritesListenersAccountsAndAclFromTheFleetFolder(@TempDir Path dir)
      throws Exception {
    Path fleet = dir.resolve("fleet");
    Path conf = dir.resolve("mosquitto");
    assertEquals(
        0,
        run(
            "mosquitto-config",
            "--fleet",
            fleet.toString(),
            "--out",
            conf.toString(),
            "--broker-name",
            "broker.lab.example"),
        err.toString());
    String text = Files.readString(conf.resolve("mosquitto.conf"));
    for (String line :
        new String[] {
          "per_listener_settings true",
          "listener 8883 0.0.0.0",
          "listener 8884 0.0.0.0",
          "use_username_as_clientid true",
          "allow_anonymous false",
          "max_packet_size 8192"
        }) {
      assertTrue(text.contains(line + "\n"), line + " in\n" + text);
    }
    assertTrue(Files.readString(conf.resolve("hosts.passwd")).startsWith("host:$7$101$"));
    assertTrue(
        Files.readString(conf.resolve("devices.acl"))
            .contains("pattern write spela/v2/+/DATA/%u\n"));
    assertTrue(Files.exists(fleet.resolve("ca.crt")), "the fleet was created on first use");
    assertTrue(
        out.toString().contains("mosquitto -c " + conf.toAbsolutePath().resolve("mosquitto.conf")));
  }

  @Test
  void brokerModesExcludeEachOtherAndPlainStaysOnLoopback() {
    assertEquals(SpelaCommand.EXIT_USAGE, run("broker", "--secure", "--insecure"), err.toString());
    assertEquals(SpelaCommand.EXIT_USAGE, run("broker", "--insecure", "--bind", "0.0.0.0"), err.toString());
    assertTrue(err.toString().contains("--bind and --broker-name need TLS"), err.toString());
  }

  @Test
  void plainMqttNeedsInsecureAndThenWarns(@TempDir Path dir) {
    for (String[] command :
        new String[][] {
          {"devices", "--wait", "1"},
          {"monitor", "--run", dir.resolve("run").toString()},
          {"device", "run", "--board", "nrf52840", "--id", "vd-1"},
          {"demo", "--run", dir.resolve("demo").toString()}
        }) {
      err.getBuffer().setLength(0);
      String[] args = Stream.concat(Arrays.stream(command),
          Stream.of("--broker", "tcp://127.0.0.1:1")).toArray(String[]::new);
      assertEquals(SpelaCommand.EXIT_USAGE, run(args), err.toString());
      assertTrue(err.toString().contains("is plain MQTT"), err.toString());
    }
    err.getBuffer().setLength(0);
    assertEquals(
        SpelaCommand.EXIT_FAILURE,
        run("devices", "--insecure", "--broker", "tcp://127.0.0.1:1", "--wait", "1"));
    assertTrue(err.toString().startsWith("spela: warning: --insecure: plain MQTT without logins"), err.toString());
  }

  @Test
  void aClaimingDeviceNeedsItsSecretFromAFileOrTheEnvironmentAndTheFleetCa(@TempDir Path dir)
      throws Exception {
    String[] device = {"device", "run", "--board", "nrf52840", "--data-dir", Fixture.dir().toString(),
        "--state-dir", dir.toString(), "--claim", "SN-1"};
    assertEquals(SpelaCommand.EXIT_USAGE, run(concat(device, "--claim-secret", "s3cret")));
    assertTrue(err.toString().contains("Unknown options: '--claim-secret'"), err.toString());
    err.getBuffer().setLength(0);
    assertEquals(SpelaCommand.EXIT_USAGE, run(device), err.toString());
    assertTrue(err.toString().contains("--claim-secret-file FILE or $SPELA_CLAIM_SECRET"), err.toString());
    Path secret = Files.writeString(dir.resolve("secret"), "batch-7-secret\n");
    err.getBuffer().setLength(0);
    assertEquals(SpelaCommand.EXIT_USAGE, run(concat(device, "--claim-secret-file", secret.toString(), "--ca",
        dir.resolve("missing.crt").toString())), err.toString());
    assertTrue(err.toString().contains("no fleet CA certificate at"), err.toString());
  }

  private static String[] concat(String[] first, String... more) {
    return Stream.concat(Arrays.stream(first), Arrays.stream(more)).toArray(String[]::new);
  }

  @Test
  void theClaimSecretNeverComesFromTheCommandLine(@TempDir Path dir) throws Exception {
    assertEquals(
        SpelaCommand.EXIT_USAGE, run("provision", "--claim-secret", "s3cret"), err.toString());
    assertTrue(err.toString().contains("Unknown options: '--claim-secret'"), err.toString());
    Path shortSecret = Files.writeString(dir.resolve("secret"), "abc\n");
    assertEquals(
        SpelaCommand.EXIT_USAGE, run("provision", "--claim-secret-file", shortSecret.toString()));
    assertTrue(err.toString().contains("too short"), err.toString());
    assertEquals(
        SpelaCommand.EXIT_USAGE,
        run(
            "provision",
            "--insecure",
            "--expect",
            "claims.txt",
            "--claim-secret-file",
            shortSecret.toString()));
    assertTrue(err.toString().contains("--expect needs TLS"), err.toString());
    assertFalse(err.toString().contains("\tat "), "no stack trace");
  }
}
