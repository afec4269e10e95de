package dev.spela.boards.device;

import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.Topic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * A unit's MQTT connection while it claims ({@link Claimant}, {@link SecureClaimant}): connected
 * as its claim id, subscribed to its reply topic (acknowledged by the broker before the first
 * claim goes out), replies queued for the claiming thread.
 */
final class ClaimLink implements AutoCloseable {

  private static final long MQTT_TIMEOUT_MS = 20_000;

  private final MqttAsyncClient client;
  private final String claimId;
  private final String requestTopic;
  private final BlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();

  private ClaimLink(MqttAsyncClient client, String claimId, Name claimName) {
    this.client = client;
    this.claimId = claimId;
    this.requestTopic = topic(Topic.CLAIM_REQUEST, claimName);
  }

  /**
   * Connects to {@code brokerUrl} as {@code claimId} with {@code options} (clean session) and
   * subscribes to the claim's reply topic.
   */
  static ClaimLink open(String brokerUrl, String claimId, Name claimName, MqttConnectOptions options)
      throws IOException {
    MqttAsyncClient client;
    try {
      client = new MqttAsyncClient(brokerUrl, claimId, new MemoryPersistence());
    } catch (MqttException | IllegalArgumentException e) {
      throw new IOException("bad broker URL " + brokerUrl + ": " + e.getMessage(), e);
    }
    ClaimLink link = new ClaimLink(client, claimId, claimName);
    client.setCallback(new MqttCallback() {
      @Override
      public void connectionLost(Throwable cause) {}

      @Override
      public void messageArrived(String topic, MqttMessage message) {
        link.replies.add(message.getPayload());
      }

      @Override
      public void deliveryComplete(IMqttDeliveryToken token) {}
    });
    try {
      options.setCleanSession(true);
      client.connect(options).waitForCompletion(MQTT_TIMEOUT_MS);
      client.subscribe(topic(Topic.CLAIM_REPLY, claimName), 1).waitForCompletion(MQTT_TIMEOUT_MS);
      return link;
    } catch (MqttException e) {
      link.close();
      throw new IOException("claim " + claimId + ": " + e.getMessage(), e);
    }
  }

  /** Publishes a claim (QoS 1). */
  void publish(byte[] claim) throws IOException {
    try {
      client.publish(requestTopic, claim, 1, false);
    } catch (MqttException e) {
      throw new IOException("claim " + claimId + ": " + e.getMessage(), e);
    }
  }

  /** The next reply, or null if none comes within {@code millis}. */
  byte[] reply(long millis) throws InterruptedException {
    return replies.poll(Math.max(1, millis), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    try {
      if (client.isConnected()) {
        client.disconnect(2_000).waitForCompletion(5_000);
      }
      client.close(true);
    } catch (MqttException e) {
      Logger.debug("{}: closing claim connection: {}", claimId, e.getMessage());
    }
  }

  private static String topic(int kind, Name claimId) {
    byte[] bytes = new byte[Topic.MAX_LENGTH];
    int length = Topic.write(bytes, 0, kind, null, claimId);
    return new String(bytes, 0, length, StandardCharsets.US_ASCII);
  }
}
