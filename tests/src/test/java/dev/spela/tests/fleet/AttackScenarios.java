package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.device.BoardLimits;
import dev.spela.boards.device.DeviceCredentials;
import dev.spela.boards.device.VirtualDevice;
import dev.spela.data.Dataset;
import dev.spela.fleet.DeviceView;
import dev.spela.fleet.FleetData;
import dev.spela.fleet.FleetDemo;
import dev.spela.fleet.FleetHost;
import dev.spela.fleet.HostConnection;
import dev.spela.fleet.ImageTransfer;
import dev.spela.fleet.security.ClientSecurity;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.fleet.security.ImageSigner;
import dev.spela.fleet.security.PasswordHash;
import dev.spela.protocols.fleet.BlockRequestMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.HostStateMessage;
import dev.spela.protocols.fleet.OfferMessage;
import dev.spela.protocols.fleet.VerdictMessage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's attacks against a running fleet in its default (secure) setup, on a real broker (each
 * subclass brings one): a victim device enrolled as {@code spela device run --id} does, a primary
 * host, and two attackers: an <em>outsider</em> with an MQTT client and the public topic names,
 * and <em>another legitimate device</em> of the same fleet, for which only the broker's ACL stands
 * in the way. Every forged message is a well-formed fleet message carrying a nonce, so that a
 * spy with host rights, subscribed to everything, would recognise it. Each attack is followed by
 * the legitimate operation it imitates, which must succeed; it also orders things: what the
 * broker accepted before it would have reached the spy, the host and the device by then.
 *
 * <p>A third attacker has <em>host rights on the broker</em> (a stolen host password, the broker's
 * operator) but not the fleet's keys: PROTOCOL.md section 5's MACs and signatures stop it at the
 * device and at the host. A fourth can offer images but not sign them: the images' signatures and
 * security counter stop it (MODEL_FORMAT.md, "Signed images").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AttackScenarios {

  static final Duration WAIT = Duration.ofSeconds(60);
  static final String GROUP = "lab";
  static final String HOST_ID = "attack-host";
  static final String VICTIM = "victim-1";
  static final String ROGUE = "rogue-1";

  private final SecureRandom random = new SecureRandom();
  private final DeviceClients clients = new DeviceClients();
  /** Every payload the spy saw, as topic + hex. */
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final List<Long> blockRequests = Collections.synchronizedList(new ArrayList<>());
  /** The last payload the spy saw on each topic. */
  private final java.util.Map<String, byte[]> lastSeen = new ConcurrentHashMap<>();
  private FleetSecurity fleet;
  private TestBroker broker;
  private FleetHost host;
  private HostConnection spy;
  private VirtualDevice victim;
  private DeviceCredentials rogue;
  /** The highest security counter the victim may have confirmed: the host signs with it. */
  private long securityCounter;

  abstract TestBroker startBroker(FleetSecurity fleet, Path dir) throws Exception;

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    fleet = FleetSecurity.open(dir.resolve("fleet"));
    broker = startBroker(fleet, dir);
    spy = HostConnection.connect(broker.hostUrl(), "spy", null,
        (topic, payload) -> {
          seen.add(topic + " " + HexFormat.of().formatHex(payload));
          lastSeen.put(topic, payload);
        }, broker.hostLogin());
    spy.subscribe("spela/#", 1);
    host = FleetHost.open(broker.hostUrl(), HOST_ID, FleetHost.Options.primary(false, null), broker.hostLogin(),
        new FleetHost.Listener() {
          @Override
          public void onBlockRequest(String device, long transferId, long offset, long imageLength) {
            blockRequests.add(transferId);
          }
        });
    rogue = broker.enrol(ROGUE, GROUP, dir.resolve(ROGUE));
    BoardLimits limits = new BoardLimits(BoardCatalogue.standard().byId("nrf52840"));
    VirtualDevice.program(dir, VICTIM, limits, image(1));
    Dataset mnist = Dataset.read("mnist", FleetScenarios.sharedMnist());
    victim = VirtualDevice.start(new VirtualDevice.Config(VICTIM, GROUP, HOST_ID, broker.url(), dir, limits,
        FleetData.shard(mnist, 0, 16, 200, 50), 100, 4, 0).secured(broker.enrol(VICTIM, GROUP, dir.resolve(VICTIM))));
    assertTrue(host.awaitDevice(VICTIM, d -> d.layers() == 2, WAIT).isPresent(), "the victim came online");
  }

  @AfterAll
  void tearDown() {
    clients.close();
    if (victim != null) {
      victim.close();
    }
    if (host != null) {
      host.close();
    }
    if (spy != null) {
      spy.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static byte[] image(long seed) {
    return FleetDemo.untrainedImage(new int[] {784, 32, 16}, 10, 0.01, seed);
  }

  /** {@code image} signed by the fleet with the victim's current security counter. */
  private byte[] signed(byte[] image) {
    return host.sign(image, securityCounter);
  }

  // ------------------------------------------------------------------ attack 2: images

  /**
   * Someone who can offer images (the host's MACs pass) but not sign them sends the victim an
   * unsigned image, one signed by another key, and a genuine image older than the running one (a
   * lower security counter): each is refused with its reason, the victim keeps its model and keeps
   * training, and a genuine newer image right after installs.
   */
  @Test
  void unsignedForeignAndOlderImagesAreRefused() throws Exception {
    long start = victimView().bdSeq();
    securityCounter += 5;
    FleetHost.Verdict raised = host.offer(VICTIM, signed(image(20)), 12, null).await(WAIT);
    assertEquals(VerdictMessage.CONFIRMED, raised.outcome(), raised.describe());
    assertTrue(host.awaitDevice(VICTIM, d -> d.bdSeq() > start && d.layers() == 2, WAIT).isPresent(),
        "the victim runs the image with the raised counter");
    FleetHost.Ack training = host.command(VICTIM, CommandMessage.START, 0, WAIT);
    assertTrue(training.ok(), training.statusName());
    DeviceView before = victimView();
    int records = (int) victim.recordsSent();

    ImageTransfer.Tamper stripSignature = new ImageTransfer.Tamper() {
      @Override
      public byte[] image(byte[] signed) {
        return ImageSigner.modelImage(signed);
      }
    };
    FleetHost.Verdict unsigned = host.offer(VICTIM, signed(image(21)), 12, stripSignature).await(WAIT);
    assertRefused(VerdictMessage.BAD_SIGNATURE, "the image is not signed", unsigned);
    byte[] foreign = new ImageSigner(KeyPairGenerator.getInstance("Ed25519").generateKeyPair())
        .sign(image(22), securityCounter + 1);
    assertRefused(VerdictMessage.BAD_SIGNATURE, "signed with a key the device does not trust",
        host.offer(VICTIM, foreign, 12, null).await(WAIT));
    byte[] older = host.sign(image(23), securityCounter - 1);
    assertRefused(VerdictMessage.DOWNGRADE, "its security counter is below the device's",
        host.offer(VICTIM, older, 12, null).await(WAIT));

    DeviceView after = victimView();
    assertEquals(before.bdSeq(), after.bdSeq(), "no reboot");
    assertEquals(before.imageSha256(), after.imageSha256(), "the victim keeps its model");
    assertTrue(awaitAtLeast(() -> (int) victim.recordsSent(), records + 2), "and keeps training");

    securityCounter++;
    FleetHost.Verdict newer = host.offer(VICTIM, signed(image(24)), 12, null).await(WAIT);
    assertEquals(VerdictMessage.CONFIRMED, newer.outcome(), "a genuine newer image installs: " + newer.describe());
    assertTrue(host.awaitDevice(VICTIM, d -> d.bdSeq() > after.bdSeq(), WAIT).isPresent(), "the victim came back");
  }

  private static void assertRefused(int reason, String why, FleetHost.Verdict verdict) {
    assertEquals(VerdictMessage.REFUSED, verdict.outcome(), verdict.describe());
    assertEquals(reason, verdict.reason(), verdict.describe());
    assertTrue(verdict.describe().contains(why), "the host's one-line message says why: " + verdict.describe());
  }

  // ------------------------------------------------------------------ attack 8 (and 1): outsiders

  /**
   * An outsider cannot log in (anonymous, a guessed password, plain TCP, a broker the fleet CA
   * does not vouch for), and a legitimate login with the victim's client id does not knock it off.
   */
  @Test
  void outsidersCannotConnectNorKnockTheVictimOff() throws Exception {
    long session = victimView().bdSeq();
    Path ca = fleet.authority().caCertificateFile();
    assertRefused(() -> connect(broker.url(), VICTIM, null, null, ca), "anonymous");
    assertRefused(() -> connect(broker.url(), VICTIM, VICTIM, PasswordHash.newPassword(), ca), "a guessed password");
    assertRefused(() -> connect(broker.url().replace("ssl://", "tcp://"), VICTIM, null, null, null), "plain TCP");
    try {
      connect(broker.url(), VICTIM, ROGUE, rogue.password(), ca).disconnectForcibly(1000);
    } catch (MqttException refused) {
      // HiveMQ refuses a client id that is not the username; Mosquitto renames it to the username
    }
    FleetHost.Ack ack = host.command(VICTIM, CommandMessage.CHECKPOINT, 0, WAIT);
    assertTrue(ack.ok(), ack.statusName());
    assertEquals(session, victimView().bdSeq(), "the victim kept its connection and session");
  }

  // ------------------------------------------------------------------ attacks 1, 2, 5, 6, 7

  /**
   * Another device of the fleet sends the victim commands (STOP, a learning rate of 1.0, REBOOT,
   * a CHECKPOINT flood), offers it an image, announces the host with an absurd session and a
   * 1-byte retained STATE, and asks the host for blocks as the victim: the broker drops all of it.
   * The host's own command and image right after still work.
   */
  @Test
  void anotherDeviceCannotCommandFlashSilenceOrAmplify() throws Exception {
    DeviceView before = victimView();
    int session = (int) before.bdSeq();
    int droppedByVictim = victim.droppedTotal();
    String cmd = topic("CMD", VICTIM);
    List<String> forged = new ArrayList<>();
    forged.add(forge(cmd, command(session, CommandMessage.STOP, 0)));
    forged.add(forge(cmd, command(session, CommandMessage.SET_LEARNING_RATE, 1 << 24)));
    for (int k = 0; k < 20; k++) {
      forged.add(forge(cmd, command(session, CommandMessage.CHECKPOINT, 0)));
    }
    forged.add(forge(cmd, command(session, CommandMessage.REBOOT, 0)));
    int forgedTransfer = 0x5EC0;
    forged.add(forge(topic("IMG", VICTIM), offer(session, forgedTransfer)));
    forged.add(forgeRetained("spela/v2/STATE/" + HOST_ID, state(Long.MAX_VALUE)));
    forged.add(forgeRetained("spela/v2/STATE/" + HOST_ID, new byte[] {1}));
    forged.add(forge(topic("IMGRSP", VICTIM), blockRequest(session, forgedTransfer)));

    FleetHost.Ack ack = host.command(VICTIM, CommandMessage.CHECKPOINT, 0, WAIT);
    assertTrue(ack.ok(), "the host's command still works: " + ack.statusName());
    assertNoneSeen(forged);
    assertEquals(droppedByVictim, victim.droppedTotal(), "nothing forged even reached the victim");
    DeviceView after = victimView();
    assertEquals(session, after.bdSeq(), "no reboot");
    assertEquals(before.trainingState(), after.trainingState(), "not stopped");
    assertEquals(before.learningRateQ24(), after.learningRateQ24(), "learning rate unchanged");
    assertFalse(blockRequests.contains((long) forgedTransfer), "the host served no forged block request");

    byte[] genuine = image(2);
    FleetHost.Verdict verdict = host.offer(VICTIM, signed(genuine), 12, null).await(WAIT);
    assertEquals(VerdictMessage.CONFIRMED, verdict.outcome(), "the host's image still installs: " + verdict.describe());
    assertTrue(host.awaitDevice(VICTIM, d -> d.layers() == 2 && d.bdSeq() > session, WAIT).isPresent(),
        "the victim runs the host's image");
  }

  // ------------------------------------------------------------------ broker rights without keys

  /**
   * A client logged in with the host account but without the fleet's keys (PROTOCOL.md section 5)
   * commands the victim (unsealed STOP, a learning rate of 1.0, REBOOT; a genuine CHECKPOINT
   * replayed byte for byte), offers it an image, leaves an unsigned retained STATE with an absurd
   * session, and forges the victim's DEATH, BIRTH, ACK, VERDICT and BLOCK_REQUEST and a ghost's
   * BIRTH: the
   * victim and the host drop all of it, and the host's own command and image right after work.
   */
  @Test
  void aPartyWithHostRightsButNoKeysCannotCommandFlashSilenceOrForge() throws Exception {
    DeviceView before = victimView();
    int session = (int) before.bdSeq();
    FleetHost.Ack genuine = host.command(VICTIM, CommandMessage.CHECKPOINT, 0, WAIT);
    assertTrue(genuine.ok(), genuine.statusName());
    String cmd = topic("CMD", VICTIM);
    byte[] captured = awaitCommand(cmd, genuine.commandId());
    ClientSecurity login = broker.hostLogin();
    int victimDrops = victim.droppedTotal();
    int hostDrops = host.droppedTotal();
    int forgedTransfer = 0x5EC1;
    try (HostConnection operator = HostConnection.connect(broker.hostUrl(), "operator", null, (t, p) -> {},
        new ClientSecurity(login.username(), login.password(), login.socketFactory()))) {
      // To the victim: 6 messages, each dropped (UNAUTHENTICATED, REPLAYED).
      operator.publish(cmd, command(session, CommandMessage.STOP, 0), 1, false);
      operator.publish(cmd, command(session, CommandMessage.SET_LEARNING_RATE, 1 << 24), 1, false);
      operator.publish(cmd, command(session, CommandMessage.REBOOT, 0), 1, false);
      operator.publish(cmd, captured, 1, false);
      operator.publish(topic("IMG", VICTIM), offer(session, forgedTransfer), 1, false);
      // (Not the bytes another test forges: the spy must be able to tell them apart.)
      operator.publish("spela/v2/STATE/" + HOST_ID, state(Long.MAX_VALUE - 1), 1, true);
      // To the host (which does not subscribe to DATA): 6 messages, each dropped.
      operator.publish(topic("DEATH", VICTIM), message(FleetProtocol.DEATH, session, 8), 1, false);
      operator.publish(topic("BIRTH", VICTIM), message(FleetProtocol.BIRTH, session + 1, 160), 1, false);
      operator.publish(topic("BIRTH", "dev-ghost"), message(FleetProtocol.BIRTH, 1, 160), 1, false);
      operator.publish(topic("ACK", VICTIM), message(FleetProtocol.ACK, session, 16), 1, false);
      operator.publish(topic("IMGRSP", VICTIM), message(FleetProtocol.VERDICT, session, 48), 1, false);
      operator.publish(topic("IMGRSP", VICTIM), blockRequest(session, forgedTransfer), 1, false);
    }
    assertTrue(awaitAtLeast(() -> victim.droppedTotal(), victimDrops + 6), "the victim dropped the forgeries: "
        + (victim.droppedTotal() - victimDrops));
    assertTrue(awaitAtLeast(() -> host.droppedTotal(), hostDrops + 7), "the host dropped the forgeries and the"
        + " unsigned STATE: " + (host.droppedTotal() - hostDrops));
    assertTrue(victim.dropped(FleetStatus.REPLAYED) > 0, "the replayed genuine command was recognised");

    FleetHost.Ack ack = host.command(VICTIM, CommandMessage.CHECKPOINT, 0, WAIT);
    assertTrue(ack.ok(), "the host's command still works: " + ack.statusName());
    DeviceView after = victimView();
    assertTrue(after.online(), "the victim is still online for the host");
    assertEquals(session, after.bdSeq(), "no reboot");
    assertEquals(before.trainingState(), after.trainingState(), "not stopped");
    assertEquals(before.learningRateQ24(), after.learningRateQ24(), "learning rate unchanged");
    assertFalse(blockRequests.contains((long) forgedTransfer), "the host served no forged block request");
    assertEquals(List.of(VICTIM), host.devices().stream().map(DeviceView::id).toList(), "no ghost device");

    // The primary put its own STATE back over the unsigned one: the victim, rebooting into the
    // host's image, hears its host again.
    FleetHost.Verdict verdict = host.offer(VICTIM, signed(image(3)), 12, null).await(WAIT);
    assertEquals(VerdictMessage.CONFIRMED, verdict.outcome(), "the host's image still installs: " + verdict.describe());
    assertTrue(host.awaitDevice(VICTIM, d -> d.bdSeq() > session, WAIT).isPresent(), "the victim came back");
  }

  // ------------------------------------------------------------------ attacks 3, 4, 7

  /**
   * Another device publishes telemetry, DEATH, a retained BIRTH, ACK and VERDICT as the victim,
   * and a BIRTH for an invented device, and an oversized payload: none reaches the host, which
   * still sees the victim online and nobody else; the rogue's own messages on its own topics pass.
   */
  @Test
  void anotherDeviceCannotForgeTelemetryLifecycleOrAnswers() throws Exception {
    int droppedByHost = host.droppedTotal();
    int session = (int) victimView().bdSeq();
    List<String> forged = new ArrayList<>();
    forged.add(forge(topic("DATA", VICTIM), message(FleetProtocol.DATA, session, 80)));
    forged.add(forge(topic("DEATH", VICTIM), message(FleetProtocol.DEATH, session, 8)));
    forged.add(forgeRetained(topic("BIRTH", VICTIM), message(FleetProtocol.BIRTH, session + 1, 160)));
    forged.add(forgeRetained(topic("BIRTH", "dev-ghost"), message(FleetProtocol.BIRTH, 1, 160)));
    forged.add(forge(topic("ACK", VICTIM), message(FleetProtocol.ACK, session, 16)));
    forged.add(forge(topic("IMGRSP", VICTIM), message(FleetProtocol.VERDICT, session, 48)));
    forged.add(forge(topic("DATA", ROGUE), new byte[20_000]));

    String own = topic("DATA", ROGUE);
    byte[] ownPayload = message(FleetProtocol.DATA, 1, 80);
    publish(rogueClient(), own, ownPayload, false);
    FleetHost.Ack ack = host.command(VICTIM, CommandMessage.CHECKPOINT, 0, WAIT);
    assertTrue(ack.ok(), ack.statusName());
    assertTrue(awaitSeen(own + " " + HexFormat.of().formatHex(ownPayload)), "the rogue's own topic works");

    assertNoneSeen(forged);
    assertTrue(victimView().online(), "the victim is still online");
    assertEquals(List.of(VICTIM), host.devices().stream().map(DeviceView::id).toList(), "no ghost device");
    // The rogue's own junk DATA reached the host and was dropped there; nothing else did.
    assertTrue(host.droppedTotal() <= droppedByHost + 1, "host drops: " + host.droppedTotal());
  }

  /**
   * A device leaves a retained BIRTH of itself on its own topic (embedded HiveMQ refuses it,
   * Mosquitto's ACLs cannot) and goes away: a host that connects later drops the stored copy and
   * lists only the devices that answer it.
   */
  @Test
  void aRetainedBirthLeftByADeviceIsNoGhost() throws Exception {
    String genuineBirth = seen.stream().filter(m -> m.startsWith(topic("BIRTH", VICTIM) + " ")).findFirst()
        .orElseThrow();
    byte[] birth = HexFormat.of().parseHex(genuineBirth.substring(genuineBirth.indexOf(' ') + 1));
    MqttAsyncClient client = rogueClient();
    try {
      publish(client, topic("BIRTH", ROGUE), birth, true);
      client.disconnect().waitForCompletion(WAIT.toMillis());
    } catch (MqttException refused) {
      // embedded HiveMQ: refused with the connection
    }
    try (FleetHost later = FleetHost.open(broker.hostUrl(), HOST_ID, FleetHost.Options.secondary(),
        broker.hostLogin())) {
      // Retained messages come with the subscription, before the victim answers the new STATE.
      assertTrue(later.awaitDevice(VICTIM, d -> true, WAIT).isPresent(), "the victim answers");
      assertEquals(List.of(VICTIM), later.devices().stream().map(DeviceView::id).toList(), "no ghost of " + ROGUE);
    }
  }

  // ------------------------------------------------------------------ helpers

  /** The genuine CMD {@code commandId} as the spy saw it on {@code topic}. */
  private byte[] awaitCommand(String topic, long commandId) throws InterruptedException {
    java.util.function.IntSupplier seenIt = () -> {
      byte[] last = lastSeen.get(topic);
      return last != null && (ByteBuffer.wrap(last).order(ByteOrder.LITTLE_ENDIAN)
          .getInt(FleetProtocol.HEADER_LENGTH) & 0xFFFFFFFFL) == commandId ? 1 : 0;
    };
    assertTrue(awaitAtLeast(seenIt, 1), "the spy saw the host's command");
    return lastSeen.get(topic);
  }

  /** Waits until {@code count} reaches {@code at least}, polling with a deadline. */
  private static boolean awaitAtLeast(java.util.function.IntSupplier count, int atLeast) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (count.getAsInt() < atLeast) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      LockSupport.parkNanos(10_000_000); // polling a condition, with a deadline
    }
    return true;
  }

  private DeviceView victimView() {
    return host.device(VICTIM).orElseThrow();
  }

  private static String topic(String token, String device) {
    return "spela/v2/" + GROUP + "/" + token + "/" + device;
  }

  /** The rogue device publishes {@code payload} (ending in a fresh nonce) on {@code topic}. */
  private String forge(String topic, byte[] payload) throws Exception {
    return forge(topic, payload, false);
  }

  private String forgeRetained(String topic, byte[] payload) throws Exception {
    return forge(topic, payload, true);
  }

  private String forge(String topic, byte[] payload, boolean retained) throws Exception {
    // HiveMQ closes an MQTT 3.1.1 client's connection after a refused publish: a new one each time.
    MqttAsyncClient client = rogueClient();
    try {
      publish(client, topic, payload, retained);
    } catch (MqttException refused) {
      // dropped with the connection
    }
    return topic + " " + HexFormat.of().formatHex(payload);
  }

  private MqttAsyncClient rogueClient() throws Exception {
    return connect(broker.url(), ROGUE, ROGUE, rogue.password(), rogue.caCertificate());
  }

  /** A well-formed v2 message of {@code type} whose last 8 body bytes are a nonce. */
  private byte[] message(int type, int bdSeq, int bodyLength) {
    ByteBuffer b = ByteBuffer.allocate(FleetProtocol.HEADER_LENGTH + bodyLength).order(ByteOrder.LITTLE_ENDIAN);
    b.put(0, (byte) FleetProtocol.VERSION).put(1, (byte) type).putInt(4, bdSeq).putInt(8, bodyLength);
    b.putLong(b.capacity() - 8, random.nextLong());
    return b.array();
  }

  private static byte[] command(int bdSeq, int code, int argument) {
    byte[] payload = new byte[FleetProtocol.HEADER_LENGTH + CommandMessage.BODY_LENGTH];
    CommandMessage c = new CommandMessage();
    c.wrapForEncode(payload, 0, payload.length, 0, bdSeq);
    c.command(new SecureRandom().nextInt(1 << 30), code, argument);
    return payload;
  }

  private static byte[] offer(int bdSeq, int transferId) {
    byte[] payload = new byte[FleetProtocol.HEADER_LENGTH + OfferMessage.BODY_LENGTH];
    OfferMessage o = new OfferMessage();
    o.wrapForEncode(payload, 0, payload.length, 0, bdSeq);
    o.offer(transferId, 3000, 10, new byte[32], 0);
    return payload;
  }

  private static byte[] state(long session) {
    byte[] payload = new byte[FleetProtocol.HEADER_LENGTH + HostStateMessage.BODY_LENGTH];
    HostStateMessage s = new HostStateMessage();
    s.wrapForEncode(payload, 0, payload.length, 0, 0);
    s.state(true, HostStateMessage.PRIMARY, session);
    return payload;
  }

  private static byte[] blockRequest(int bdSeq, int transferId) {
    byte[] payload = new byte[FleetProtocol.HEADER_LENGTH + BlockRequestMessage.BODY_LENGTH];
    BlockRequestMessage r = new BlockRequestMessage();
    r.wrapForEncode(payload, 0, payload.length, 0, bdSeq);
    r.request(transferId, 0, 200);
    return payload;
  }

  private void assertNoneSeen(List<String> forged) {
    for (String message : forged) {
      assertFalse(seen.contains(message), "the broker passed on " + message.substring(0, message.indexOf(' ')));
    }
  }

  /** Waits for the spy to see {@code message}. */
  private boolean awaitSeen(String message) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!seen.contains(message)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      LockSupport.parkNanos(10_000_000); // polling a condition, with a deadline
    }
    return true;
  }

  private MqttAsyncClient connect(String url, String clientId, String username, String password, Path ca)
      throws Exception {
    return clients.connect(url, clientId, username, password, ca);
  }


  private static void publish(MqttAsyncClient client, String topic, byte[] payload, boolean retained)
      throws MqttException {
    client.publish(topic, payload, 1, retained).waitForCompletion(WAIT.toMillis());
  }

  private static void assertRefused(Connector connector, String what) {
    assertThrows(MqttException.class, connector::connect, what + " must be refused");
  }

  private interface Connector {
    void connect() throws Exception;
  }
}
