package dev.spela.boards.device;

import dev.spela.boards.Names;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.SecureClaim;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.tinylog.Logger;

/**
 * Provisioning by sealed claim, device side (PROTOCOL.md 15.2): a unit that has its claim id, its
 * claim key and the fleet's CA certificate logs in over TLS as its claim account, sends a CLAIM
 * with a fresh X25519 key and nonce ({@link SecureClaim}), and keeps the credentials of the one
 * reply it can open ({@link DeviceCredentials}, stored atomically in its state folder). Claims
 * again with a fresh key every 10 s without a valid reply; replies it cannot open are dropped.
 */
public final class SecureClaimant {

  private static final long RETRY_MS = 10_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private SecureClaimant() {}

  /**
   * The unit's claim key as the factory derives it from the batch's claim secret (a real unit
   * stores only the result; the virtual device is its own factory).
   */
  public static byte[] unitKey(byte[] batchSecret, String claimId) {
    byte[] key = new byte[SecureClaim.KEY_LENGTH];
    new SecureClaim().deriveUnitKey(batchSecret, 0, batchSecret.length, Names.of(claimId), key, 0);
    return key;
  }

  /**
   * Claims credentials over {@code brokerUrl} and stores them in {@code stateDir} (a unit that has
   * them, {@link DeviceCredentials#load}, does not claim again).
   *
   * @throws IOException if the host refuses the claim, or no reply opens within {@code timeoutMs}
   */
  public static DeviceCredentials claim(
      String brokerUrl, Path stateDir, Path caCertificate, String claimId, String boardId, byte[] unitKey,
      long timeoutMs) throws IOException, InterruptedException {
    Name claimName = Names.of(claimId);
    Name boardName = Names.of(boardId);
    SecureClaim unit = new SecureClaim();
    byte[] claimPassword = new byte[SecureClaim.PASSWORD_LENGTH];
    unit.useUnitKey(unitKey, 0, claimPassword, 0);
    MqttConnectOptions options = new MqttConnectOptions();
    options.setConnectionTimeout(10);
    BrokerTrust.apply(options, caCertificate, claimId, new String(claimPassword, StandardCharsets.US_ASCII)
        .toCharArray());
    try (ClaimLink link = ClaimLink.open(brokerUrl, claimId, claimName, options)) {
      byte[] claim = new byte[SecureClaim.CLAIM_LENGTH];
      byte[] random = new byte[SecureClaim.RANDOM_LENGTH];
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (System.currentTimeMillis() < deadline) {
        RANDOM.nextBytes(random);
        unit.encodeClaim(claim, 0, claimName, boardName, random, 0);
        link.publish(claim);
        long retryAt = Math.min(deadline, System.currentTimeMillis() + RETRY_MS);
        byte[] reply;
        while ((reply = link.reply(retryAt - System.currentTimeMillis())) != null) {
          int status = unit.openReply(reply, 0, reply.length);
          if (status != FleetStatus.OK) {
            Logger.warn("{}: dropped a claim reply: {}", claimId, FleetStatus.name(status));
            continue;
          }
          if (!unit.accepted()) {
            throw new IOException("the host refused claim " + claimId);
          }
          return credentials(unit, caCertificate).store(stateDir);
        }
      }
      throw new IOException("no valid answer to claim " + claimId + " within " + timeoutMs / 1000 + " s");
    }
  }

  private static DeviceCredentials credentials(SecureClaim unit, Path caCertificate) {
    Name deviceId = new Name();
    Name group = new Name();
    unit.deviceId(deviceId);
    unit.group(group);
    byte[] password = new byte[SecureClaim.PASSWORD_LENGTH];
    byte[] deviceKey = new byte[SecureClaim.KEY_LENGTH];
    byte[] hostKey = new byte[SecureClaim.KEY_LENGTH];
    unit.password(password, 0);
    unit.deviceKey(deviceKey, 0);
    unit.hostKey(hostKey, 0);
    return new DeviceCredentials(Names.toString(deviceId), Names.toString(group),
        new String(password, StandardCharsets.US_ASCII), deviceKey, hostKey, caCertificate);
  }
}
