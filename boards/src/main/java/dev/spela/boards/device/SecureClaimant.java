package dev.spela.boards.device;

import dev.spela.boards.Names;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.SecureClaim;
import dev.spela.protocols.fleet.Topic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
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
    BlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
    MqttAsyncClient client;
    try {
      client = new MqttAsyncClient(brokerUrl, claimId, new MemoryPersistence());
    } catch (MqttException | IllegalArgumentException e) {
      throw new IOException("bad broker URL " + brokerUrl + ": " + e.getMessage(), e);
    }
    client.setCallback(new MqttCallback() {
      @Override
      public void connectionLost(Throwable cause) {}

      @Override
      public void messageArrived(String topic, MqttMessage message) {
        replies.add(message.getPayload());
      }

      @Override
      public void deliveryComplete(IMqttDeliveryToken token) {}
    });
    try {
      MqttConnectOptions options = new MqttConnectOptions();
      options.setCleanSession(true);
      options.setConnectionTimeout(10);
      BrokerTrust.apply(options, caCertificate, claimId, new String(claimPassword, StandardCharsets.US_ASCII)
          .toCharArray());
      client.connect(options).waitForCompletion(20_000);
      client.subscribe(Claimant.topic(Topic.CLAIM_REPLY, claimName), 1).waitForCompletion(20_000);
      byte[] claim = new byte[SecureClaim.CLAIM_LENGTH];
      byte[] random = new byte[SecureClaim.RANDOM_LENGTH];
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (System.currentTimeMillis() < deadline) {
        RANDOM.nextBytes(random);
        unit.encodeClaim(claim, 0, claimName, boardName, random, 0);
        client.publish(Claimant.topic(Topic.CLAIM_REQUEST, claimName), claim, 1, false);
        long retryAt = Math.min(deadline, System.currentTimeMillis() + RETRY_MS);
        byte[] reply;
        while ((reply = replies.poll(Math.max(1, retryAt - System.currentTimeMillis()), TimeUnit.MILLISECONDS))
            != null) {
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
    } catch (MqttException e) {
      throw new IOException("claim " + claimId + ": " + e.getMessage(), e);
    } finally {
      try {
        if (client.isConnected()) {
          client.disconnect(2_000).waitForCompletion(5_000);
        }
        client.close(true);
      } catch (MqttException e) {
        Logger.debug("{}: closing claim connection: {}", claimId, e.getMessage());
      }
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
