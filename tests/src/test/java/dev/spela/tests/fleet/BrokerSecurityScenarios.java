package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.boards.Names;
import dev.spela.fleet.HostConnection;
import dev.spela.fleet.security.ClaimRateLimiter;
import dev.spela.fleet.security.FleetAccounts.Account;
import dev.spela.fleet.security.FleetAccounts.Role;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.fleet.security.PasswordHash;
import dev.spela.fleet.security.SecureProvisioner;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.SecureClaim;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secured broker (each subclass brings one) enforces the fleet's accounts and policy against real
 * clients: Paho MQTT 3.1.1 clients as devices, claims and attackers, a Paho MQTT 5 host observing
 * everything. Each forbidden operation is tried next to the allowed one it resembles; "dropped" is
 * observed by the host, which publishes a marker on the same topic after the attempt completed: the
 * marker arrives, the forged message before it did not.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BrokerSecurityScenarios {

  static final long WAIT_MS = Duration.ofSeconds(30).toMillis();
  static final String GROUP = "lab";
  static final String ALPHA = "dev-alpha0000";
  static final String BRAVO = "dev-bravo0000";
  static final String CLAIM = "SN-0077";

  private final String alphaPassword = PasswordHash.newPassword();
  private final String bravoPassword = PasswordHash.newPassword();
  private final String claimPassword = PasswordHash.newPassword();
  private final BlockingQueue<String> seen = new LinkedBlockingQueue<>();
  private final DeviceClients clients = new DeviceClients();
  private FleetSecurity fleet;
  private Path otherCa;
  private HostConnection observer;

  /** Starts the broker for this fleet. */
  abstract void start(FleetSecurity fleet, Path dir) throws Exception;

  abstract void stop() throws Exception;

  /**
   * Makes the broker take the fleet's current accounts (HiveMQ: nothing to do; Mosquitto: SIGHUP).
   */
  abstract void reloadAccounts() throws Exception;

  abstract String deviceUrl();

  abstract String hostUrl();

  /** Whether the broker can refuse retained publishes from devices (Mosquitto's ACLs cannot). */
  abstract boolean refusesRetainedDeviceMessages();

  /**
   * Whether a forbidden subscription gets a failure code (Mosquitto 2.0 grants it and delivers
   * nothing).
   */
  abstract boolean refusesForbiddenSubscriptions();

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    fleet = FleetSecurity.open(dir.resolve("fleet"));
    fleet.accounts().put(new Account(ALPHA, Role.DEVICE, GROUP, PasswordHash.of(alphaPassword)));
    fleet.accounts().put(new Account(BRAVO, Role.DEVICE, GROUP, PasswordHash.of(bravoPassword)));
    fleet.accounts().put(new Account(CLAIM, Role.CLAIM, null, PasswordHash.of(claimPassword)));
    otherCa = FleetSecurity.open(dir.resolve("another-fleet")).authority().caCertificateFile();
    start(fleet, dir);
    observer =
        HostConnection.connect(
            hostUrl(),
            "host-observer",
            null,
            (topic, payload) -> seen.add(topic + " " + new String(payload, StandardCharsets.UTF_8)),
            fleet.hostClient());
    observer.subscribe("spela/#", 1);
  }

  @AfterAll
  void tearDown() throws Exception {
    clients.close();
    if (observer != null) {
      observer.close();
    }
    stop();
  }

  // ------------------------------------------------------------------ logins

  @Test
  void everyLoginIsChecked() throws Exception {
    assertRefused(
        () -> connect(deviceUrl(), ALPHA, null, null, fleet.authority().caCertificateFile()),
        "anonymous");
    assertRefused(
        () ->
            connect(
                deviceUrl(), ALPHA, ALPHA, bravoPassword, fleet.authority().caCertificateFile()),
        "another device's password");
    assertRefused(
        () ->
            connect(
                deviceUrl(),
                "dev-nobody00",
                "dev-nobody00",
                alphaPassword,
                fleet.authority().caCertificateFile()),
        "unknown account");
    assertRefused(
        () -> connect(deviceUrl().replace("ssl://", "tcp://"), ALPHA, ALPHA, alphaPassword, null),
        "plain TCP");
    assertRefused(
        () -> connect(deviceUrl(), ALPHA, ALPHA, alphaPassword, otherCa),
        "a broker another CA vouches for");
    MqttAsyncClient alpha = device(ALPHA, alphaPassword);
    assertTrue(alpha.isConnected());
  }

  /** Bravo's valid login with Alpha's client id must not knock Alpha off the broker. */
  @Test
  void nobodyTakesAnotherDevicesClientId() throws Exception {
    MqttAsyncClient alpha = device(ALPHA, alphaPassword, "spela/v2/lab/CMD/" + ALPHA);
    BlockingQueue<String> commands = new LinkedBlockingQueue<>();
    alpha.setCallback(new Received(commands));
    try {
      MqttAsyncClient impostor =
          connect(deviceUrl(), ALPHA, BRAVO, bravoPassword, fleet.authority().caCertificateFile());
      // Mosquitto renames the client to its username instead of refusing it: then it is Bravo.
      impostor.disconnectForcibly(1000);
    } catch (MqttException refused) {
      // HiveMQ refuses the connection
    }
    assertTrue(alpha.isConnected(), "Alpha is still connected");
    observer.publish("spela/v2/lab/CMD/" + ALPHA, ascii("still-there"), 1, false);
    assertEquals(
        "spela/v2/lab/CMD/" + ALPHA + " still-there",
        commands.poll(WAIT_MS, TimeUnit.MILLISECONDS));
  }

  // ------------------------------------------------------------------ publishing

  @Test
  void deviceMayPublishOnlyOnItsOwnTopics() throws Exception {
    MqttAsyncClient alpha = device(ALPHA, alphaPassword);
    for (String token : new String[] {"BIRTH", "DATA", "ACK", "IMGRSP", "DEATH"}) {
      String own = "spela/v2/lab/" + token + "/" + ALPHA;
      publish(alpha, own, "own-" + token, false);
      assertEquals(own + " own-" + token, nextSeen(own), "own " + token);
    }
    alpha =
        device(
            ALPHA,
            alphaPassword); // HiveMQ disconnects an MQTT 3.1.1 client after a refused publish
    assertDropped(alpha, "spela/v2/lab/DATA/" + BRAVO, "forged telemetry");
    assertDropped(device(ALPHA, alphaPassword), "spela/v2/lab/DEATH/" + BRAVO, "forged death");
    assertDropped(
        device(ALPHA, alphaPassword), "spela/v2/lab/CMD/" + BRAVO, "a command to another device");
    assertDropped(device(ALPHA, alphaPassword), "spela/v2/STATE/spela-host", "a host state");
    assertDropped(device(ALPHA, alphaPassword), "spela/v2/lab/IMG/" + ALPHA, "an image to itself");
  }

  @Test
  void retainedDeviceMessagesAreRefused() throws Exception {
    if (!refusesRetainedDeviceMessages()) {
      return; // Mosquitto: ACLs cannot restrict the retain flag; hosts must ignore retained device
      // messages
    }
    MqttAsyncClient alpha = device(ALPHA, alphaPassword);
    String topic = "spela/v2/lab/BIRTH/" + ALPHA;
    tryPublish(alpha, topic, "retained-ghost", true);
    observer.publish(topic, ascii("marker"), 1, false);
    assertEquals(topic + " marker", nextSeen(topic));
  }

  @Test
  void oversizedPacketsAreRefused() throws Exception {
    MqttAsyncClient alpha = device(ALPHA, alphaPassword);
    String topic = "spela/v2/lab/DATA/" + ALPHA;
    byte[] large = new byte[20_000];
    java.util.Arrays.fill(large, (byte) 'x');
    tryPublish(alpha, topic, new String(large, StandardCharsets.US_ASCII), false);
    observer.publish(topic, ascii("marker"), 1, false);
    assertEquals(topic + " marker", nextSeen(topic), "the 20 kB payload never arrives");
    MqttAsyncClient again = device(ALPHA, alphaPassword);
    publish(again, topic, "small", false);
    assertEquals(topic + " small", nextSeen(topic));
  }

  // ------------------------------------------------------------------ subscribing

  @Test
  void deviceMaySubscribeOnlyToItsCommandsImagesAndHostState() throws Exception {
    MqttAsyncClient alpha = device(ALPHA, alphaPassword);
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    alpha.setCallback(new Received(received));
    for (String own :
        new String[] {
          "spela/v2/lab/CMD/" + ALPHA, "spela/v2/lab/IMG/" + ALPHA, "spela/v2/STATE/spela-host"
        }) {
      assertEquals(1, grantedQos(alpha, own), own);
    }
    String own = "spela/v2/lab/CMD/" + ALPHA;
    String bravoCommands = "spela/v2/lab/CMD/" + BRAVO;
    assertCannotRead(alpha, received, bravoCommands, bravoCommands, own);
    assertCannotRead(alpha, received, "spela/v2/lab/DATA/+", "spela/v2/lab/DATA/" + BRAVO, own);
    assertCannotRead(alpha, received, "spela/#", bravoCommands, own);
    assertCannotRead(alpha, received, "#", bravoCommands, own);
    assertCannotRead(alpha, received, "spela/v2/+/CMD/+", bravoCommands, own);
    assertCannotRead(
        alpha,
        received,
        "spela/v2/PROVISION/REPLY/" + CLAIM,
        "spela/v2/PROVISION/REPLY/" + CLAIM,
        own);
  }

  /**
   * The client may not read {@code filter}: the broker refuses the subscription (HiveMQ) or grants
   * it and delivers nothing (Mosquitto 2.0 checks read access per message). Either way a message on
   * {@code probe} does not arrive before the one the host sends next on {@code own}.
   */
  private void assertCannotRead(
      MqttAsyncClient client,
      BlockingQueue<String> received,
      String filter,
      String probe,
      String own)
      throws Exception {
    int granted = grantedQos(client, filter);
    if (refusesForbiddenSubscriptions()) {
      assertEquals(0x80, granted, "subscription to " + filter + " refused");
    }
    observer.publish(probe, ascii("probe"), 1, false);
    String marker = "marker-" + UUID.randomUUID();
    observer.publish(own, ascii(marker), 1, false);
    assertEquals(
        own + " " + marker,
        received.poll(WAIT_MS, TimeUnit.MILLISECONDS),
        "nothing read through " + filter);
  }

  // ------------------------------------------------------------------ claims

  @Test
  void claimAccountOnlyClaimsAndReadsItsReply() throws Exception {
    MqttAsyncClient claim =
        connect(deviceUrl(), CLAIM, CLAIM, claimPassword, fleet.authority().caCertificateFile());
    BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    claim.setCallback(new Received(replies));
    String reply = "spela/v2/PROVISION/REPLY/" + CLAIM;
    assertEquals(1, grantedQos(claim, reply));
    assertCannotRead(
        claim,
        replies,
        "spela/v2/PROVISION/REPLY/SN-0078",
        "spela/v2/PROVISION/REPLY/SN-0078",
        reply);
    assertCannotRead(
        claim, replies, "spela/v2/lab/CMD/" + ALPHA, "spela/v2/lab/CMD/" + ALPHA, reply);
    publish(claim, "spela/v2/PROVISION/REQ/" + CLAIM, "claim", false);
    assertEquals(
        "spela/v2/PROVISION/REQ/" + CLAIM + " claim", nextSeen("spela/v2/PROVISION/REQ/" + CLAIM));
    assertDropped(claim, "spela/v2/PROVISION/REQ/SN-0078", "a claim for another unit");
    MqttAsyncClient again =
        connect(deviceUrl(), CLAIM, CLAIM, claimPassword, fleet.authority().caCertificateFile());
    assertDropped(again, "spela/v2/lab/DATA/" + ALPHA, "telemetry as a device");
  }

  // ------------------------------------------------------------------ provisioning (v2 draft)

  /**
   * A unit claims over the broker as its claim account and gets an identity that works; claiming
   * again gives the same device id with a new password (the old one stops working); a unit asking
   * too often gets no answer.
   */
  @Test
  void provisioningGivesTheClaimantAWorkingIdentity() throws Exception {
    byte[] batch = "batch-9-secret-0123".getBytes(StandardCharsets.US_ASCII);
    String claimId = "SN-0100";
    SecureProvisioner.registerClaims(fleet, batch, List.of(claimId));
    reloadAccounts();
    ClaimRateLimiter limiter =
        new ClaimRateLimiter(
            new ClaimRateLimiter.Limit(3, Duration.ofHours(1)),
            ClaimRateLimiter.PER_BATCH,
            System::nanoTime);
    try (SecureProvisioner provisioner =
        SecureProvisioner.start(
            hostUrl(),
            fleet,
            batch,
            new SecureProvisioner.Options("lab", Pattern.compile("SN-.*"), limiter),
            p -> {})) {
      SecureClaim unit = new SecureClaim();
      byte[] unitKey = new byte[32];
      byte[] claimPassword = new byte[32];
      unit.deriveUnitKey(batch, 0, batch.length, name(claimId), unitKey, 0);
      unit.useUnitKey(unitKey, 0, claimPassword, 0);
      MqttAsyncClient claimant =
          connectWhenAdmitted(
              deviceUrl(), claimId, new String(claimPassword, StandardCharsets.US_ASCII));
      BlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
      claimant.setCallback(
          new Received(new LinkedBlockingQueue<>()) {
            @Override
            public void messageArrived(
                String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
              replies.add(message.getPayload());
            }
          });
      assertEquals(1, grantedQos(claimant, "spela/v2/PROVISION/REPLY/" + claimId));

      String[] first = claim(unit, claimant, claimId, replies);
      assertTrue(first[0].matches("dev-[a-z2-7]{20}"), first[0]);
      reloadAccounts();
      MqttAsyncClient device = connectWhenAdmitted(deviceUrl(), first[0], first[1]);
      String data = "spela/v2/lab/DATA/" + first[0];
      publish(device, data, "hello", false);
      assertEquals(data + " hello", nextSeen(data));
      device.disconnect().waitForCompletion(WAIT_MS);

      String[] second = claim(unit, claimant, claimId, replies);
      assertEquals(first[0], second[0], "the same claim id keeps its device id");
      assertFalse(first[1].equals(second[1]), "with a new password");
      reloadAccounts();
      connectWhenAdmitted(deviceUrl(), second[0], second[1])
          .disconnect()
          .waitForCompletion(WAIT_MS);
      assertRefused(
          () ->
              connect(
                  deviceUrl(), first[0], first[0], first[1], fleet.authority().caCertificateFile()),
          "the replaced password");

      claim(unit, claimant, claimId, replies); // the third of the burst of 3
      byte[] fourth = new byte[SecureClaim.CLAIM_LENGTH];
      unit.encodeClaim(fourth, 0, name(claimId), name("nrf52840"), random(), 0);
      claimant
          .publish("spela/v2/PROVISION/REQ/" + claimId, fourth, 1, false)
          .waitForCompletion(WAIT_MS);
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
      while (provisioner.dropped("RATE_LIMITED") == 0 && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      assertEquals(1, provisioner.dropped("RATE_LIMITED"));
      assertEquals(3, provisioner.answered());
    }
  }

  /** Publishes a fresh claim and opens its reply: {device id, password}. */
  private static String[] claim(
      SecureClaim unit, MqttAsyncClient claimant, String claimId, BlockingQueue<byte[]> replies)
      throws Exception {
    byte[] claim = new byte[SecureClaim.CLAIM_LENGTH];
    assertEquals(
        SecureClaim.CLAIM_LENGTH,
        unit.encodeClaim(claim, 0, name(claimId), name("nrf52840"), random(), 0));
    claimant
        .publish("spela/v2/PROVISION/REQ/" + claimId, claim, 1, false)
        .waitForCompletion(WAIT_MS);
    byte[] reply = replies.poll(WAIT_MS, TimeUnit.MILLISECONDS);
    assertNotNull(reply, "no reply to the claim");
    assertEquals(FleetStatus.OK, unit.openReply(reply, 0, reply.length));
    assertTrue(unit.accepted());
    Name id = new Name();
    unit.deviceId(id);
    byte[] password = new byte[SecureClaim.PASSWORD_LENGTH];
    unit.password(password, 0);
    return new String[] {Names.toString(id), new String(password, StandardCharsets.US_ASCII)};
  }

  private static byte[] random() {
    byte[] random = new byte[SecureClaim.RANDOM_LENGTH];
    new java.security.SecureRandom().nextBytes(random);
    return random;
  }

  private static Name name(String s) {
    return Names.of(s);
  }

  /**
   * Connects once the broker admits the account (Mosquitto reloads its files in the background).
   */
  private MqttAsyncClient connectWhenAdmitted(String url, String username, String password)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (true) {
      try {
        return connect(url, username, username, password, fleet.authority().caCertificateFile());
      } catch (MqttException refused) {
        if (System.nanoTime() > deadline) {
          throw refused;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private MqttAsyncClient device(String id, String password, String... subscriptions)
      throws Exception {
    MqttAsyncClient client =
        connect(deviceUrl(), id, id, password, fleet.authority().caCertificateFile());
    for (String filter : subscriptions) {
      assertEquals(1, grantedQos(client, filter));
    }
    return client;
  }

  private MqttAsyncClient connect(String url, String clientId, String username, String password, Path ca)
      throws Exception {
    return clients.connect(url, clientId, username, password, ca);
  }


  private static void assertRefused(Connector connector, String what) {
    MqttException e =
        assertThrows(MqttException.class, connector::connect, what + " must be refused");
    assertNotNull(e);
  }

  private interface Connector {
    void connect() throws Exception;
  }

  private static int grantedQos(MqttAsyncClient client, String filter) throws MqttException {
    IMqttToken token = client.subscribe(filter, 1);
    token.waitForCompletion(WAIT_MS);
    return token.getGrantedQos()[0];
  }

  private static void publish(
      MqttAsyncClient client, String topic, String payload, boolean retained) throws MqttException {
    client.publish(topic, ascii(payload), 1, retained).waitForCompletion(WAIT_MS);
  }

  /** Publishes and waits for the broker's answer or the end of the connection, whichever comes. */
  private static void tryPublish(
      MqttAsyncClient client, String topic, String payload, boolean retained) {
    try {
      publish(client, topic, payload, retained);
    } catch (MqttException e) {
      // refused: HiveMQ closes the connection of an MQTT 3.1.1 client that publishes where it may
      // not
    }
  }

  private void assertDropped(MqttAsyncClient client, String topic, String what) throws Exception {
    String forged = "forged-" + UUID.randomUUID();
    tryPublish(client, topic, forged, false);
    String marker = "marker-" + UUID.randomUUID();
    observer.publish(topic, ascii(marker), 1, false);
    assertEquals(topic + " " + marker, nextSeen(topic), what + " must be dropped");
  }

  /**
   * The next message the host saw on {@code topic} (tests share the host: other topics are
   * skipped).
   */
  private String nextSeen(String topic) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (true) {
      String next = seen.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertNotNull(next, "the host saw nothing on " + topic);
      if (next.startsWith(topic + " ")) {
        return next;
      }
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static class Received implements org.eclipse.paho.client.mqttv3.MqttCallback {
    private final BlockingQueue<String> queue;

    Received(BlockingQueue<String> queue) {
      this.queue = queue;
    }

    @Override
    public void connectionLost(Throwable cause) {}

    @Override
    public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
      queue.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
    }

    @Override
    public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {}
  }
}
