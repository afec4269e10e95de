package dev.spela.fleet;

import dev.spela.fleet.security.ClientSecurity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.tinylog.Logger;

/**
 * The host's MQTT 5 session (Paho async client), used by every fleet command.
 *
 * <p>Paho calls back on its own thread, which must never block or call the client: one callback
 * hands every message, in arrival order, to a single worker thread that runs the {@link Handler}.
 * Publishes are bounded by a semaphore below Paho's in-flight window, so a fast producer waits
 * instead of failing with "too many publishes in progress". {@link #close()} disconnects with a
 * timeout, then closes the client and stops the worker.
 */
public final class HostConnection implements AutoCloseable {

  /** Receives every message, on the connection's worker thread. */
  public interface Handler {
    void onMessage(String topic, byte[] payload);

    /** Called (on the worker) after an automatic reconnect, once subscriptions are renewed. */
    default void onReconnected() {}
  }

  /** A last-will message (topic, payload, QoS 1, retained or not). */
  public record Will(String topic, byte[] payload, boolean retained) {}

  private static final int MAX_IN_FLIGHT = 64;
  private static final long TIMEOUT_MS = 20_000;

  private final MqttAsyncClient client;
  private final ExecutorService worker;
  /** Sized at connection from the broker's Receive Maximum (Mosquitto: 20), never above ours. */
  private final Semaphore inFlight = new Semaphore(0);
  private final Handler handler;
  private final List<MqttSubscription> subscriptions = new CopyOnWriteArrayList<>();
  private volatile boolean closing;

  private HostConnection(MqttAsyncClient client, Handler handler, String clientId) {
    this.client = client;
    this.handler = handler;
    this.worker =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "mqtt-" + clientId);
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Connects to {@code brokerUrl} with a clean session, automatic reconnect and an optional will.
   *
   * @throws IOException if the broker cannot be reached or refuses the connection
   */
  public static HostConnection connect(String brokerUrl, String clientId, Will will, Handler handler)
      throws IOException {
    return connect(brokerUrl, clientId, will, handler, ClientSecurity.NONE);
  }

  /**
   * As {@link #connect(String, String, Will, Handler)}, logging in with {@code security}'s username
   * and password and, when it has a socket factory, using it for TLS with the broker's host name
   * checked against its certificate.
   */
  public static HostConnection connect(String brokerUrl, String clientId, Will will, Handler handler,
      ClientSecurity security) throws IOException {
    MqttAsyncClient client;
    try {
      client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
    } catch (MqttException | IllegalArgumentException e) {
      throw new IOException("bad broker URL '" + brokerUrl + "': " + e.getMessage(), e);
    }
    HostConnection connection = new HostConnection(client, handler, clientId);
    client.setCallback(connection.new Callback());
    MqttConnectionOptions options = new MqttConnectionOptions();
    options.setCleanStart(true);
    options.setAutomaticReconnect(true);
    options.setReceiveMaximum(MAX_IN_FLIGHT);
    options.setKeepAliveInterval(30);
    options.setConnectionTimeout(10);
    if (security.username() != null) {
      options.setUserName(security.username());
      options.setPassword(security.password().getBytes(StandardCharsets.UTF_8));
    }
    if (security.socketFactory() != null) {
      options.setSocketFactory(security.socketFactory());
      options.setHttpsHostnameVerificationEnabled(true);
    }
    if (will != null) {
      MqttMessage message = new MqttMessage(will.payload(), 1, will.retained(), null);
      options.setWill(will.topic(), message);
    }
    try {
      IMqttToken token = client.connect(options);
      token.waitForCompletion(TIMEOUT_MS);
      // Paho refuses a publish beyond the broker's window ("too many publishes in progress").
      Integer brokerWindow = token.getResponseProperties() == null ? null
          : token.getResponseProperties().getReceiveMaximum();
      connection.inFlight.release(brokerWindow == null ? MAX_IN_FLIGHT : Math.min(MAX_IN_FLIGHT, brokerWindow));
    } catch (MqttException e) {
      connection.closeClient();
      throw new IOException("cannot connect to MQTT broker " + brokerUrl + ": " + describe(e), e);
    }
    return connection;
  }

  /** Subscribes and waits for the broker's acknowledgement; renewed after every reconnect. */
  public void subscribe(String filter, int qos) throws IOException {
    renew(filter, qos);
    subscriptions.add(new MqttSubscription(filter, qos));
  }

  private void renew(String filter, int qos) throws IOException {
    try {
      IMqttToken token = client.subscribe(new MqttSubscription(filter, qos));
      token.waitForCompletion(TIMEOUT_MS);
      int[] codes = token.getReasonCodes();
      if (codes != null && codes.length > 0 && codes[0] >= 0x80) {
        throw new IOException("broker refused subscription to " + filter + " (reason " + codes[0] + ")");
      }
    } catch (MqttException e) {
      throw new IOException("cannot subscribe to " + filter + ": " + describe(e), e);
    }
  }

  /**
   * Publishes, waiting while the broker's window (at most {@value #MAX_IN_FLIGHT}) is full.
   *
   * @throws IOException if the client is disconnected or interrupted
   */
  public void publish(String topic, byte[] payload, int qos, boolean retained) throws IOException {
    try {
      if (!inFlight.tryAcquire(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        throw new IOException("publish to " + topic + " timed out: broker not acknowledging");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while publishing to " + topic, e);
    }
    try {
      client.publish(topic, payload, qos, retained, null, new Release());
    } catch (MqttException e) {
      inFlight.release();
      throw new IOException("cannot publish to " + topic + ": " + describe(e), e);
    }
  }


  /** Disconnects (flushing what is in flight, bounded), closes the client and stops the worker. */
  @Override
  public void close() {
    closing = true;
    try {
      if (client.isConnected()) {
        client.disconnect(5_000).waitForCompletion(TIMEOUT_MS);
      }
    } catch (MqttException e) {
      Logger.debug("MQTT disconnect: {}", describe(e));
    }
    closeClient();
    worker.shutdown();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeClient() {
    try {
      client.close(true);
    } catch (MqttException e) {
      Logger.debug("MQTT close: {}", describe(e));
    }
  }

  /** A clean session forgets subscriptions: take them again, then tell the handler. */
  private void resubscribe() {
    try {
      for (MqttSubscription subscription : subscriptions) {
        renew(subscription.getTopic(), subscription.getQos());
      }
      handler.onReconnected();
    } catch (IOException e) {
      Logger.warn("after reconnecting: {}", e.getMessage());
    }
  }

  static String describe(MqttException e) {
    Throwable cause = e.getCause();
    String message = e.getMessage() == null ? "reason " + e.getReasonCode() : e.getMessage();
    return cause == null || cause.getMessage() == null ? message : message + " (" + cause.getMessage() + ")";
  }

  private final class Release implements MqttActionListener {
    @Override
    public void onSuccess(IMqttToken token) {
      inFlight.release();
    }

    @Override
    public void onFailure(IMqttToken token, Throwable exception) {
      inFlight.release();
      Logger.debug("publish failed: {}", exception == null ? "?" : exception.getMessage());
    }
  }

  /** Paho's single callback: copies nothing, blocks on nothing, hands the message to the worker. */
  private final class Callback implements MqttCallback {
    @Override
    public void messageArrived(String topic, MqttMessage message) {
      byte[] payload = message.getPayload();
      worker.execute(
          () -> {
            try {
              handler.onMessage(topic, payload);
            } catch (RuntimeException e) {
              Logger.warn(e, "message on {} not handled", topic);
            }
          });
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
      if (!closing) {
        Logger.warn("MQTT connection lost ({}), reconnecting", response.getReasonString());
      }
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
      Logger.warn("MQTT error: {}", describe(exception));
    }

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
      if (reconnect) {
        Logger.info("MQTT reconnected to {}", serverURI);
        worker.execute(HostConnection.this::resubscribe);
      }
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
  }
}
