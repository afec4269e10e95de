package dev.spela.boards.device;

import dev.spela.boards.Names;
import dev.spela.protocols.checksum.HmacSha256;
import dev.spela.protocols.fleet.ClaimMessage;
import dev.spela.protocols.fleet.ClaimReplyMessage;
import dev.spela.protocols.fleet.DropCounters;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.Name;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Properties;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.tinylog.Logger;

/**
 * Provisioning by claim, device side (PROTOCOL.md, section 11): a device that has only its claim id
 * and the batch's claim secret asks the host for its identity once, and keeps it in its state
 * folder (written to a new file, then moved over the old one).
 */
public final class Claimant {

  /** The identity a host gave: the device id and group to connect as. */
  public record Identity(String deviceId, String group) {}

  private static final String FILE = "identity.properties";
  private static final long RETRY_MS = 10_000;

  private Claimant() {}

  /** The identity stored in {@code stateDir}, or null. */
  public static Identity stored(Path stateDir) throws IOException {
    Path file = stateDir.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    return new Identity(p.getProperty("device"), p.getProperty("group"));
  }

  /**
   * The stored identity, or a new one claimed from the host: connect as the claim id, subscribe to
   * the reply topic (and wait for the broker's acknowledgement), publish CLAIM with a fresh nonce,
   * accept only a reply that echoes the nonce and carries a valid MAC; publish again with a new
   * nonce every 10 s without one.
   *
   * @throws IOException if the host refuses, or no valid reply comes within {@code timeoutMs}
   */
  public static Identity claim(String brokerUrl, Path stateDir, String claimId, String boardId, byte[] secret,
      long timeoutMs) throws IOException, InterruptedException {
    Identity stored = stored(stateDir);
    if (stored != null) {
      return stored;
    }
    Name claimName = Names.of(claimId);
    Name boardName = Names.of(boardId);
    HmacSha256 mac = new HmacSha256();
    SecureRandom random = new SecureRandom();
    byte[] nonce = new byte[ClaimMessage.NONCE_LENGTH];
    ClaimMessage claim = new ClaimMessage();
    ClaimReplyMessage reply = new ClaimReplyMessage();
    DropCounters drops = new DropCounters();
    Name deviceId = new Name();
    Name group = new Name();
    try (ClaimLink link = ClaimLink.open(brokerUrl, claimId, claimName, new MqttConnectOptions())) {
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (System.currentTimeMillis() < deadline) {
        random.nextBytes(nonce);
        byte[] payload = new byte[FleetProtocol.HEADER_LENGTH + ClaimMessage.BODY_LENGTH];
        claim.wrapForEncode(payload, 0, payload.length, 0, 0);
        mac.key(secret, 0, secret.length);
        claim.claim(claimName, boardName, nonce, 0, mac);
        link.publish(payload);
        long retryAt = Math.min(deadline, System.currentTimeMillis() + RETRY_MS);
        while (true) {
          byte[] bytes = link.reply(retryAt - System.currentTimeMillis());
          if (bytes == null) {
            break;
          }
          int status = reply.wrap(bytes, 0, bytes.length);
          if (status == FleetStatus.OK && !reply.nonceEquals(nonce, 0)) {
            status = FleetStatus.STALE_SESSION;
          }
          if (status == FleetStatus.OK) {
            mac.key(secret, 0, secret.length);
            if (!reply.macMatches(mac)) {
              status = FleetStatus.BAD_MAC;
            }
          }
          if (status != FleetStatus.OK) {
            drops.drop(status);
            Logger.warn("{}: dropped a claim reply: {}", claimId, FleetStatus.name(status));
            continue;
          }
          if (reply.status() != ClaimReplyMessage.ACCEPTED) {
            throw new IOException("the host refused claim " + claimId);
          }
          reply.deviceId(deviceId);
          reply.group(group);
          Identity identity = new Identity(Names.toString(deviceId), Names.toString(group));
          store(stateDir, identity);
          return identity;
        }
      }
      throw new IOException("no valid answer to claim " + claimId + " within " + timeoutMs / 1000 + " s");
    }
  }

  private static void store(Path stateDir, Identity identity) throws IOException {
    Files.createDirectories(stateDir);
    Properties p = new Properties();
    p.setProperty("device", identity.deviceId());
    p.setProperty("group", identity.group());
    Path temp = stateDir.resolve(FILE + ".tmp");
    try (OutputStream out = Files.newOutputStream(temp)) {
      p.store(out, "identity from provisioning");
    }
    Files.move(temp, stateDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
