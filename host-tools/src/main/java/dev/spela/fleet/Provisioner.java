package dev.spela.fleet;

import dev.spela.boards.device.Names;
import dev.spela.fleet.security.DeviceRegistry;
import dev.spela.protocols.checksum.HmacSha256;
import dev.spela.protocols.fleet.ClaimMessage;
import dev.spela.protocols.fleet.ClaimReplyMessage;
import dev.spela.protocols.fleet.DropCounters;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.Topic;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * Provisioning by claim, host side (PROTOCOL.md, section 11): answers CLAIMs whose MAC proves the
 * claim secret with an identity, the same one each time the same claim id asks (kept in a registry
 * file; a new one is random, see {@link DeviceRegistry#newDeviceId}), or REFUSED when the claim id
 * is not allowed. Claims with a bad MAC or a topic that does not match their body get no answer.
 * The reply is readable by anyone on the reply topic; {@link
 * dev.spela.fleet.security.SecureProvisioner} answers the sealed claims of PROTOCOL.md 15.2.
 */
public final class Provisioner implements ClaimService {

  /** One identity handed out. */
  public record Provisioned(String claimId, String deviceId, String group, boolean newlyAssigned) {}

  private final HostConnection connection;
  private final byte[] secret;
  private final String group;
  private final Pattern allowed;
  private final Path registryFile;
  private final Properties registry = new Properties();
  private final Consumer<Provisioned> listener;
  private final DropCounters drops = new DropCounters();
  private final AtomicInteger answered = new AtomicInteger();
  private final Topic topic = new Topic();
  private final Name name = new Name();
  private final ClaimMessage claim = new ClaimMessage();
  private final HmacSha256 mac = new HmacSha256();

  private Provisioner(String brokerUrl, byte[] secret, String group, Pattern allowed, Path registryFile,
      Consumer<Provisioned> listener) throws IOException {
    this.secret = secret.clone();
    this.group = group;
    this.allowed = allowed;
    this.registryFile = registryFile;
    this.listener = listener;
    Names.of(group); // fail early on an invalid group
    if (Files.exists(registryFile)) {
      try (InputStream in = Files.newInputStream(registryFile)) {
        registry.load(in);
      }
    }
    this.connection = HostConnection.connect(brokerUrl, "spela-provision-" + Long.toString(System.nanoTime() & 0xFFFFFF, 36),
        null, (t, p) -> receive(t, p));
  }

  /** Starts answering claims on {@code spela/v2/PROVISION/REQ/+}. */
  public static Provisioner start(String brokerUrl, byte[] secret, String group, Pattern allowed, Path registryFile,
      Consumer<Provisioned> listener) throws IOException {
    Provisioner provisioner = new Provisioner(brokerUrl, secret, group, allowed, registryFile, listener);
    try {
      provisioner.connection.subscribe("spela/v2/PROVISION/REQ/+", 1);
      return provisioner;
    } catch (IOException e) {
      provisioner.close();
      throw e;
    }
  }

  @Override
  public int answered() {
    return answered.get();
  }

  public synchronized int dropped(int status) {
    return drops.count(status);
  }

  @Override
  public void close() {
    connection.close();
  }

  private synchronized void receive(String topicName, byte[] payload) {
    byte[] t = topicName.getBytes(StandardCharsets.UTF_8);
    int status = topic.parse(t, 0, t.length);
    if (status == FleetStatus.OK && topic.kind() != Topic.CLAIM_REQUEST) {
      status = FleetStatus.BAD_TOPIC;
    }
    if (status == FleetStatus.OK) {
      status = payload.length > FleetProtocol.MAX_MESSAGE_LENGTH ? FleetStatus.OVERSIZED : claim.wrap(payload, 0, payload.length);
    }
    if (status == FleetStatus.OK) {
      claim.claimId(name);
      if (!topic.idIs(name)) {
        status = FleetStatus.BAD_TOPIC;
      }
    }
    if (status == FleetStatus.OK) {
      mac.key(secret, 0, secret.length);
      if (!claim.macMatches(mac)) {
        status = FleetStatus.BAD_MAC;
      }
    }
    if (status != FleetStatus.OK) {
      drops.drop(status);
      Logger.warn("dropped a claim on {}: {}", topicName, FleetStatus.name(status));
      return;
    }
    String claimId = Names.toString(name);
    byte[] nonce = new byte[ClaimMessage.NONCE_LENGTH];
    claim.nonce(nonce, 0);
    byte[] reply = new byte[FleetProtocol.HEADER_LENGTH + ClaimReplyMessage.BODY_LENGTH];
    ClaimReplyMessage message = new ClaimReplyMessage();
    message.wrapForEncode(reply, 0, reply.length, 0, 0);
    mac.key(secret, 0, secret.length);
    Provisioned provisioned = null;
    if (allowed.matcher(claimId).matches()) {
      try {
        provisioned = identityFor(claimId);
      } catch (IOException e) {
        Logger.warn("cannot record the identity of {}: {}", claimId, e.getMessage());
        return; // no answer: the device asks again
      }
      message.accept(nonce, 0, Names.of(provisioned.deviceId()), Names.of(provisioned.group()), mac);
    } else {
      message.refuse(nonce, 0, mac);
    }
    try {
      Name claimName = Names.of(claimId);
      byte[] topicBytes = new byte[Topic.MAX_LENGTH];
      int length = Topic.write(topicBytes, 0, Topic.CLAIM_REPLY, null, claimName);
      connection.publish(new String(topicBytes, 0, length, StandardCharsets.US_ASCII), reply, 1, false);
      answered.incrementAndGet();
      if (provisioned != null) {
        listener.accept(provisioned);
      } else {
        Logger.info("refused claim {}", claimId);
      }
    } catch (IOException e) {
      Logger.warn("cannot answer claim {}: {}", claimId, e.getMessage());
    }
  }

  /** The registry's identity for this claim id, or a new one (the registry is saved first). */
  private Provisioned identityFor(String claimId) throws IOException {
    String known = registry.getProperty(claimId);
    if (known != null) {
      String[] parts = known.split("/", 2);
      return new Provisioned(claimId, parts[1], parts[0], false);
    }
    String deviceId = DeviceRegistry.newDeviceId();
    registry.setProperty(claimId, group + "/" + deviceId);
    Path parent = registryFile.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temp = parent.resolve(registryFile.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(temp)) {
      registry.store(out, "claim id = group/device id, written by spela provision");
    }
    Files.move(temp, registryFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return new Provisioned(claimId, deviceId, group, true);
  }
}
