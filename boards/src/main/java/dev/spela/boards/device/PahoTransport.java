package dev.spela.boards.device;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.ScheduledExecutorPingSender;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.tinylog.Logger;

/**
 * The agent's {@link Transport} over MQTT 3.1.1 with the Paho {@code mqttv3} async client: a new
 * client for every connection (each has its own will, naming its session), no automatic reconnect
 * (the agent decides when, with a new session). Paho's callbacks only hand events to the device
 * thread ({@link DeviceLink.Events}), tagged with the client they came from so that the thread can
 * ignore a closed client's late events.
 */
final class PahoTransport implements DeviceLink {

  private static final int PAHO_MAX_IN_FLIGHT = 128;

  private final String brokerUrl;
  private final String clientId;
  private final Events events;
  private final DeviceCredentials credentials;
  private final SSLSocketFactory trust;
  private final ScheduledExecutorService keepAlive;
  /**
   * The current connection's QoS 1 publishes the broker has not acknowledged: a new counter for
   * every connection, so that a closed client's late callbacks cannot touch it. A failed publish
   * stays counted: it was not acknowledged (the agent sends its record again on the next
   * connection).
   */
  private volatile AtomicInteger inFlight = new AtomicInteger();
  private IMqttActionListener acknowledged;
  private MqttAsyncClient client;

  /**
   * A transport whose clients send their keep-alive pings from {@code keepAlive} (the device's
   * scheduler) rather than from a timer thread of their own each; {@code credentials} null: plain
   * MQTT without a login (the {@code --insecure} mode), else TLS through {@code trust} (trusting
   * only the fleet CA, see {@link BrokerTrust}) with the device's own login.
   */
  PahoTransport(String brokerUrl, String clientId, ScheduledExecutorService keepAlive, DeviceCredentials credentials,
      SSLSocketFactory trust, Events events) {
    this.brokerUrl = brokerUrl;
    this.clientId = clientId;
    this.keepAlive = keepAlive;
    this.events = events;
    this.credentials = credentials;
    this.trust = trust;
  }

  @Override
  public boolean isCurrent(Object connection) {
    return connection != null && connection == client;
  }

  @Override
  public int connect(byte[] willTopic, int willTopicLength, byte[] willPayload, int willLength) {
    drop();
    MqttAsyncClient next;
    try {
      next = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence(),
          new ScheduledExecutorPingSender(keepAlive), null);
    } catch (MqttException | IllegalArgumentException e) {
      throw new IllegalArgumentException("bad broker URL " + brokerUrl + ": " + e.getMessage(), e);
    }
    client = next;
    inFlight = new AtomicInteger();
    acknowledged = acknowledged(next, inFlight);
    next.setCallback(new MqttCallbackExtended() {
      @Override
      public void connectionLost(Throwable cause) {
        events.lost(next, cause == null ? "closed" : String.valueOf(cause.getMessage()));
      }

      @Override
      public void messageArrived(String topic, MqttMessage message) {
        events.message(topic, message.getPayload());
      }

      @Override
      public void deliveryComplete(IMqttDeliveryToken token) {}

      @Override
      public void connectComplete(boolean reconnect, String serverUri) {}
    });
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(true);
    options.setAutomaticReconnect(false);
    options.setKeepAliveInterval(10);
    options.setConnectionTimeout(10);
    options.setMaxInflight(PAHO_MAX_IN_FLIGHT);
    if (credentials != null) {
      BrokerTrust.apply(options, trust, credentials.deviceId(), credentials.password().toCharArray());
    }
    byte[] will = Arrays.copyOf(willPayload, willLength);
    options.setWill(string(willTopic, willTopicLength), will, 1, false);
    try {
      next.connect(options, null, new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
          events.connected(next);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable exception) {
          events.lost(next, exception == null ? "connect failed" : exception.getMessage());
        }
      });
    } catch (MqttException e) {
      events.lost(next, e.getMessage());
    }
    return 0;
  }

  @Override
  public int subscribe(byte[] topic, int topicLength) {
    MqttAsyncClient current = client;
    try {
      current.subscribe(string(topic, topicLength), 1);
      return 0;
    } catch (MqttException | RuntimeException e) {
      events.lost(current, "subscribe failed: " + e.getMessage());
      return -1;
    }
  }

  @Override
  public int publish(byte[] topic, int topicLength, byte[] payload, int offset, int length, int qos) {
    MqttAsyncClient current = client;
    if (current == null) {
      return -1;
    }
    byte[] copy = Arrays.copyOfRange(payload, offset, offset + length);
    if (qos > 0) {
      inFlight.incrementAndGet();
    }
    try {
      current.publish(string(topic, topicLength), copy, qos, false, null, qos > 0 ? acknowledged : null);
      return 0;
    } catch (MqttException | RuntimeException e) {
      if (qos > 0) {
        inFlight.decrementAndGet();
      }
      Logger.debug("{}: publish failed: {}", clientId, e.getMessage());
      return -1;
    }
  }

  @Override
  public int inFlight() {
    return inFlight.get();
  }

  private IMqttActionListener acknowledged(MqttAsyncClient connection, AtomicInteger unacknowledged) {
    return new IMqttActionListener() {
      @Override
      public void onSuccess(IMqttToken token) {
        unacknowledged.decrementAndGet();
        events.acknowledged(connection);
      }

      @Override
      public void onFailure(IMqttToken token, Throwable exception) {}
    };
  }

  @Override
  public int disconnect() {
    close(true);
    return 0;
  }

  @Override
  public void drop() {
    close(false);
  }

  private void close(boolean clean) {
    MqttAsyncClient current = client;
    client = null;
    if (current == null) {
      return;
    }
    try {
      if (current.isConnected()) {
        if (clean) {
          current.disconnect(2_000).waitForCompletion(5_000);
        } else {
          current.disconnectForcibly(0, 100, false);
        }
      }
    } catch (MqttException e) {
      Logger.debug("{}: disconnect: {}", clientId, e.getMessage());
    }
    try {
      current.close(true);
    } catch (MqttException e) {
      Logger.debug("{}: close: {}", clientId, e.getMessage());
    }
  }

  private static String string(byte[] bytes, int length) {
    return new String(bytes, 0, length, StandardCharsets.US_ASCII);
  }
}
