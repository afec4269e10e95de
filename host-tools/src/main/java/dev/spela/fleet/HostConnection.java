package dev.spela.fleet;

import dev.spela.fleet.security.ClientSecurity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.tinylog.Logger;

/**
 * The host's MQTT 5 session (Paho async client), used by every fleet command.
 *
 * <p>Paho calls back on its own thread, which must never block or call the client: one callback
 * hands every message, in arrival order, to a single worker thread that runs the {@link Handler}.
 * Publishes are bounded by a semaphore below Paho's in-flight window, so a fast producer waits
 * instead of failing with "too many publishes in progress". {@link #close()} disconnects with a
 * timeout, then closes the client and stops the worker.
 *
 * <p>Received QoS 1 messages are acknowledged to the broker only once handled (manual
 * acknowledgements), in the order they arrived (MQTT 5, 4.6): when the handler returns, unless it
 * {@linkplain Delivery#hold() held} the message, say until a database committed it. With a
 * {@linkplain Session#persistent persistent session} the broker keeps what was not acknowledged,
 * and what arrives meanwhile, for the next connection with the same client id: a crash of this
 * process loses none of it.
 */
public final class HostConnection implements AutoCloseable {

  /** Receives every message, on the connection's worker thread. */
  public interface Handler {
    void onMessage(String topic, byte[] payload);

    /**
     * Receives a message with its delivery: {@link Delivery#hold()} keeps it unacknowledged after
     * this returns, until the hold is released.
     */
    default void onMessage(String topic, byte[] payload, Delivery delivery) {
      onMessage(topic, payload);
    }

    /** Called (on the worker) after an automatic reconnect, once subscriptions are renewed. */
    default void onReconnected() {}
  }

  /**
   * A last-will message (topic, payload, QoS 1, retained or not), with MQTT 5 user properties
   * (none: an empty map).
   */
  public record Will(String topic, byte[] payload, boolean retained, Map<String, String> properties) {
    public Will(String topic, byte[] payload, boolean retained) {
      this(topic, payload, retained, Map.of());
    }
  }

  /**
   * The MQTT session: a clean one that ends with the connection, or a persistent one (Clean
   * Start 0) that the broker keeps for {@code expirySeconds} after a disconnection, queueing the
   * client's messages, and resumes when a client connects with the same id.
   *
   * @param receiveMaximum QoS 1 messages the broker may send before one is acknowledged
   * @param reclaims whether the connection takes its session back once when another client takes
   *     it over (see {@link #reclaiming()})
   */
  public record Session(String clientId, boolean persistent, long expirySeconds, int receiveMaximum,
      boolean reclaims) {
    public static Session clean(String clientId) {
      return new Session(clientId, false, 0, MAX_IN_FLIGHT, false);
    }

    public static Session persistent(String clientId, long expirySeconds, int receiveMaximum) {
      return new Session(clientId, expirySeconds > 0, expirySeconds, receiveMaximum, false);
    }

    /**
     * This session, taken back once, 5 s after another client takes it over: a collector whose
     * session another member of its group drains (PROTOCOL.md section 7) must go on collecting,
     * while two programs given one client id must not take it from each other for ever, so a
     * second take-over within 60 s ends the connection.
     */
    public Session reclaiming() {
      return new Session(clientId, persistent, expirySeconds, receiveMaximum, true);
    }
  }

  /**
   * One received message. The broker is told it was handled once the handler has returned and
   * every {@link #hold()} on it is released, and every message before it was handled too.
   */
  public final class Delivery {
    private final int messageId;
    private final int qos;
    private final boolean retained;
    private final List<UserProperty> properties;
    private int holds = 1; // the handler's own, released when it returns
    private boolean handled;

    private Delivery(int messageId, int qos, boolean retained, List<UserProperty> properties) {
      this.messageId = messageId;
      this.qos = qos;
      this.retained = retained;
      this.properties = properties;
    }

    /** True if the broker sent it from its store of retained messages (not as it was published). */
    public boolean retained() {
      return retained;
    }

    /** The value of the message's MQTT 5 user property {@code key} (the first), or null. */
    public String property(String key) {
      for (UserProperty property : properties) {
        if (property.getKey().equals(key)) {
          return property.getValue();
        }
      }
      return null;
    }

    /** Keeps the message unacknowledged until the returned action runs (the first run counts). */
    public Runnable hold() {
      synchronized (unacknowledged) {
        holds++;
      }
      AtomicBoolean released = new AtomicBoolean();
      return () -> {
        if (released.compareAndSet(false, true)) {
          release(this);
        }
      };
    }
  }

  private static final int MAX_IN_FLIGHT = 64;
  private static final long TIMEOUT_MS = 20_000;
  private static final long FIRST_RECONNECT_DELAY_MS = 250;
  private static final long MAX_RECONNECT_DELAY_MS = 5_000;
  /** MQTT 5 DISCONNECT reason code 0x8E. */
  private static final int SESSION_TAKEN_OVER = 0x8E;
  /** As long as a collector waits before draining a left member's session (LeftCollectors). */
  private static final long RECLAIM_DELAY_MS = 5_000;
  private static final long RECLAIM_WINDOW_MS = 60_000;

  /** The current Paho client: a new one for every reconnection attempt (see {@link #reconnect}). */
  private volatile MqttAsyncClient client;
  private final ExecutorService worker;
  /**
   * Publishes the broker may still take on this connection: sized at each connection from the
   * broker's Receive Maximum (Mosquitto: 20), never above ours; a new one per connection, so that
   * the late callbacks of a dropped connection's publishes cannot add permits to the next.
   */
  private volatile Semaphore inFlight = new Semaphore(0);
  private final Handler handler;
  private final List<MqttSubscription> subscriptions = new CopyOnWriteArrayList<>();
  /** Received and not yet acknowledged, in arrival order; emptied when the connection drops. */
  private final ArrayDeque<Delivery> unacknowledged = new ArrayDeque<>();
  private final String clientId;
  private final String brokerUrl;
  private final ScheduledExecutorService reconnector;
  private MqttConnectionOptions options;
  private volatile boolean closing;
  /** Another client connected with this id and took the session (MQTT 5 reason 0x8E) for good. */
  private volatile boolean takenOver;
  private final boolean reclaims;
  /** When this connection last took its session back ({@link System#nanoTime}), if it ever did. */
  private long reclaimedNanos;
  private boolean reclaimed;
  /** Whether the broker had a session for this client id at the first connection. */
  private boolean sessionPresent;
  /** A reconnection is under way: one at a time, or one attempt could replace another's client. */
  private final AtomicBoolean reconnecting = new AtomicBoolean();

  private HostConnection(Handler handler, Session session, String brokerUrl) {
    this.handler = handler;
    this.clientId = session.clientId();
    this.reclaims = session.reclaims();
    this.brokerUrl = brokerUrl;
    this.reconnector = Executors.newSingleThreadScheduledExecutor(daemon("mqtt-reconnect-" + clientId));
    this.worker = Executors.newSingleThreadExecutor(daemon("mqtt-" + clientId));
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * Connects to {@code brokerUrl} with a clean session, automatic reconnect and an optional will.
   *
   * @throws IOException if the broker cannot be reached or refuses the connection
   */
  public static HostConnection connect(String brokerUrl, String clientId, Will will, Handler handler)
      throws IOException {
    return connect(brokerUrl, Session.clean(clientId), will, handler, ClientSecurity.NONE);
  }

  /**
   * As {@link #connect(String, String, Will, Handler)}, logging in with {@code security}'s username
   * and password and, when it has a socket factory, using it for TLS with the broker's host name
   * checked against its certificate.
   */
  public static HostConnection connect(String brokerUrl, String clientId, Will will, Handler handler,
      ClientSecurity security) throws IOException {
    return connect(brokerUrl, Session.clean(clientId), will, handler, security);
  }

  /** Connects in {@code session}, without login or TLS. */
  public static HostConnection connect(String brokerUrl, Session session, Will will, Handler handler)
      throws IOException {
    return connect(brokerUrl, session, will, handler, ClientSecurity.NONE);
  }

  /**
   * Connects to {@code brokerUrl} in {@code session}, with automatic reconnect, an optional will
   * and {@code security}'s login and TLS. A persistent session is resumed if the broker still has
   * it: what it queued arrives at once, and the handler must be ready for it.
   *
   * @throws IOException if the broker cannot be reached or refuses the connection
   */
  public static HostConnection connect(String brokerUrl, Session session, Will will, Handler handler,
      ClientSecurity security) throws IOException {
    HostConnection connection = new HostConnection(handler, session, brokerUrl);
    try {
      connection.client = connection.newClient();
    } catch (MqttException | IllegalArgumentException e) {
      throw new IOException("bad broker URL '" + brokerUrl + "': " + e.getMessage(), e);
    }
    MqttConnectionOptions options = new MqttConnectionOptions();
    options.setCleanStart(!session.persistent());
    if (session.persistent()) {
      options.setSessionExpiryInterval(session.expirySeconds());
    }
    // Reconnecting is ours (reconnect below): Paho 1.2.5's automatic reconnect shares one
    // delay among all clients of the JVM (a static field, up to 128 s) and, when an attempt fails
    // at once (a broker restarting), stops trying for good: a monitor stayed away after a broker
    // restart.
    options.setAutomaticReconnect(false);
    options.setReceiveMaximum(session.receiveMaximum());
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
    connection.options = options;
    if (will != null) {
      connection.setWill(will);
    }
    try {
      connection.sessionPresent = connection.connectClient();
    } catch (MqttException e) {
      connection.closeClient();
      throw new IOException("cannot connect to MQTT broker " + brokerUrl + ": " + describe(e), e);
    }
    return connection;
  }

  /** A Paho client for this connection's id, whose callbacks go to this connection while current. */
  private MqttAsyncClient newClient() throws MqttException {
    MqttAsyncClient next = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
    next.setCallback(new Callback(next));
    next.setManualAcks(true);
    return next;
  }

  /**
   * Connects the current client and opens the publish window the broker grants.
   *
   * @return true if the broker resumed a session it had for this client id
   */
  private boolean connectClient() throws MqttException {
    IMqttToken token = client.connect(options);
    token.waitForCompletion(TIMEOUT_MS);
    // Paho refuses a publish beyond the broker's window ("too many publishes in progress").
    Integer brokerWindow = token.getResponseProperties() == null ? null
        : token.getResponseProperties().getReceiveMaximum();
    inFlight = new Semaphore(brokerWindow == null ? MAX_IN_FLIGHT : Math.min(MAX_IN_FLIGHT, brokerWindow));
    return token.getSessionPresent();
  }

  /** The will of this connection's next CONNECT, with its user properties. */
  private void setWill(Will will) {
    options.setWill(will.topic(), new MqttMessage(will.payload(), 1, will.retained(), null));
    MqttProperties properties = new MqttProperties();
    properties.setUserProperties(userProperties(will.properties()));
    options.setWillMessageProperties(properties);
  }

  private static List<UserProperty> userProperties(Map<String, String> properties) {
    return properties.entrySet().stream().map(e -> new UserProperty(e.getKey(), e.getValue())).toList();
  }

  /** True if the broker resumed a session it kept for this client id when this connection opened. */
  public boolean sessionPresent() {
    return sessionPresent;
  }

  /** True once another client connected with this id and took the session over. */
  public boolean takenOver() {
    return takenOver;
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

  /** Unsubscribes (and waits for the broker's acknowledgement); not renewed after a reconnect. */
  public void unsubscribe(String filter) throws IOException {
    subscriptions.removeIf(s -> s.getTopic().equals(filter));
    try {
      client.unsubscribe(filter).waitForCompletion(TIMEOUT_MS);
    } catch (MqttException e) {
      throw new IOException("cannot unsubscribe from " + filter + ": " + describe(e), e);
    }
  }

  /**
   * Publishes, waiting while the broker's window (at most {@value #MAX_IN_FLIGHT}) is full.
   *
   * @throws IOException if the client is disconnected or interrupted
   */
  public void publish(String topic, byte[] payload, int qos, boolean retained) throws IOException {
    publish(topic, payload, qos, retained, Map.of());
  }

  /** As {@link #publish(String, byte[], int, boolean)}, with MQTT 5 user properties. */
  public void publish(String topic, byte[] payload, int qos, boolean retained, Map<String, String> properties)
      throws IOException {
    Semaphore window = inFlight;
    try {
      if (!window.tryAcquire(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        throw new IOException("publish to " + topic + " timed out: broker not acknowledging");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while publishing to " + topic, e);
    }
    MqttMessage message = new MqttMessage(payload, qos, retained, null);
    if (!properties.isEmpty()) {
      MqttProperties mqttProperties = new MqttProperties();
      mqttProperties.setUserProperties(userProperties(properties));
      message.setProperties(mqttProperties);
    }
    try {
      client.publish(topic, message, null, new Release(window));
    } catch (MqttException e) {
      window.release();
      throw new IOException("cannot publish to " + topic + ": " + describe(e), e);
    }
  }


  /** Disconnects (flushing what is in flight, bounded), closes the client and stops the worker. */
  @Override
  public void close() {
    close(null);
  }

  /**
   * Waits until every message received so far is handled and acknowledged, at most {@code
   * timeoutMs}.
   *
   * @return false if some were not within the time, or the connection dropped meanwhile
   */
  public boolean awaitAcknowledged(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    synchronized (unacknowledged) {
      while (!unacknowledged.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        unacknowledged.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
    return client.isConnected();
  }

  /**
   * As {@link #close()}, and the broker discards this client's session at once (MQTT 5
   * DISCONNECT with Session Expiry Interval 0): what it still queued for the session is gone.
   */
  public void closeAndEndSession() {
    MqttProperties properties = new MqttProperties();
    properties.setSessionExpiryInterval(0L);
    close(properties);
  }

  private void close(MqttProperties disconnectProperties) {
    closing = true;
    try {
      if (client.isConnected()) {
        IMqttToken token = disconnectProperties == null ? client.disconnect(5_000)
            : client.disconnect(5_000, null, null, 0, disconnectProperties);
        token.waitForCompletion(TIMEOUT_MS);
      }
    } catch (MqttException e) {
      Logger.debug("MQTT disconnect: {}", describe(e));
    }
    reconnector.shutdownNow();
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

  /** Acknowledges, in arrival order, every message handled so far. */
  private void release(Delivery delivery) {
    synchronized (unacknowledged) {
      if (--delivery.holds > 0) {
        return;
      }
      delivery.handled = true;
      while (!unacknowledged.isEmpty() && unacknowledged.peekFirst().handled) {
        Delivery first = unacknowledged.pollFirst();
        if (first.qos > 0 && !closing) { // after close, Paho has no session to acknowledge in
          try {
            client.messageArrivedComplete(first.messageId, first.qos);
          } catch (MqttException e) {
            Logger.debug("acknowledging message {}: {}", first.messageId, describe(e));
          }
        }
      }
      unacknowledged.notifyAll();
    }
  }

  /**
   * The connection dropped: what was not acknowledged stays with the broker (a persistent session
   * sends it again), and the ids of its messages mean nothing on the next connection.
   */
  private void forgetUnacknowledged() {
    synchronized (unacknowledged) {
      unacknowledged.forEach(d -> d.handled = true); // a late release must not acknowledge it
      unacknowledged.clear();
      unacknowledged.notifyAll();
    }
  }

  /**
   * Ends this connection and connects again with {@code will} instead of the first connection's
   * (a will is fixed for the life of a connection); the session is kept, and the handler hears
   * {@link Handler#onReconnected} as after any reconnection.
   */
  public void reconnectWithWill(Will will) {
    setWill(will);
    try {
      client.disconnect(0).waitForCompletion(TIMEOUT_MS); // a normal disconnection: no will sent
    } catch (MqttException e) {
      Logger.debug("MQTT disconnect: {}", describe(e)); // dropped already: reconnecting anyway
    }
    startReconnecting();
  }

  /** True once per {@value #RECLAIM_WINDOW_MS} ms for a reclaiming session; records the attempt. */
  private synchronized boolean mayReclaim() {
    long now = System.nanoTime();
    if (!reclaims || reclaimed && now - reclaimedNanos < TimeUnit.MILLISECONDS.toNanos(RECLAIM_WINDOW_MS)) {
      return false;
    }
    reclaimed = true;
    reclaimedNanos = now;
    return true;
  }

  /** Starts reconnecting unless a reconnection is under way. */
  private void startReconnecting() {
    if (reconnecting.compareAndSet(false, true)) {
      reconnectAfter(FIRST_RECONNECT_DELAY_MS);
    }
  }

  /**
   * Connects again after {@code delayMs}, then twice as long after each failure (at most {@value
   * #MAX_RECONNECT_DELAY_MS} ms), with this connection's options: its will (the first
   * connection's, or the one {@link #reconnectWithWill} gave), and its session (a persistent one
   * resumes).
   */
  private void reconnectAfter(long delayMs) {
    try {
      reconnector.schedule(() -> reconnect(delayMs), delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private void reconnect(long delayMs) {
    if (closing) {
      return;
    }
    // Before connecting: a resumed session's messages arrive as soon as the broker accepts the
    // connection, and forgetting them then would leave them unacknowledged for good (once they
    // fill the Receive Maximum, the broker sends nothing more).
    forgetUnacknowledged();
    replaceClient();
    try {
      connectClient();
    } catch (MqttException e) {
      Logger.debug("reconnecting to {}: {}", brokerUrl, describe(e));
      reconnectAfter(Math.min(MAX_RECONNECT_DELAY_MS, delayMs * 2));
      return;
    }
    reconnecting.set(false);
    if (!client.isConnected()) {
      startReconnecting(); // lost again before the flag was down: its callback did not start one
      return;
    }
    Logger.info("MQTT reconnected to {}", brokerUrl);
    worker.execute(this::resubscribe);
  }

  /**
   * Every reconnection attempt gets a new client, and the old one is closed without waiting. Paho
   * 1.2.5 sends the publishes a dropped connection had in flight again on the next connection of
   * the same client, with the topic alias it gave them on the old one and no topic
   * (eclipse-paho/paho.mqtt.java#1104): a broker that restarted knows no such alias and drops the
   * connection as a protocol error (0x82), at every reconnection while they stay in flight
   * (Mosquitto's log: "disconnected due to protocol error" right after the CONNACK, the monitor's
   * session away for 20 s). And after a failed attempt Paho may stay "connecting" for good (every
   * later attempt: "Connect already in progress"). A new client forgets those publishes: callers
   * repeat what matters (STATE is announced again after a reconnection, commands are resent until
   * acknowledged); the persistent session, which the broker keeps, is resumed all the same.
   */
  private void replaceClient() {
    MqttAsyncClient previous = client;
    try {
      client = newClient();
    } catch (MqttException e) {
      Logger.debug("new MQTT client: {}", describe(e)); // the old one tries again
      return;
    }
    try {
      previous.disconnectForcibly(0, 0, false);
    } catch (MqttException e) {
      // not connected: nothing to end
    }
    try {
      previous.close(true);
    } catch (MqttException e) {
      Logger.debug("MQTT close: {}", describe(e));
    }
  }

  /**
   * A clean session forgets subscriptions: take them again, then tell the handler. If that fails,
   * the connection is dropped so that the next one tries again (a connection without its
   * subscriptions would hear nothing, for good).
   */
  private void resubscribe() {
    try {
      for (MqttSubscription subscription : subscriptions) {
        renew(subscription.getTopic(), subscription.getQos());
      }
      handler.onReconnected();
    } catch (IOException e) {
      Logger.warn("after reconnecting: {}; connecting again", e.getMessage());
      try {
        client.disconnectForcibly(0, 0, false); // no callback follows a disconnection of our own
      } catch (MqttException notConnected) {
        // lost already
      }
      startReconnecting();
    }
  }

  static String describe(MqttException e) {
    Throwable cause = e.getCause();
    String message = e.getMessage() == null ? "reason " + e.getReasonCode() : e.getMessage();
    return cause == null || cause.getMessage() == null ? message : message + " (" + cause.getMessage() + ")";
  }

  /** Gives a publish's permit back to the window of the connection it was sent on. */
  private record Release(Semaphore window) implements MqttActionListener {
    @Override
    public void onSuccess(IMqttToken token) {
      window.release();
    }

    @Override
    public void onFailure(IMqttToken token, Throwable exception) {
      window.release();
      Logger.debug("publish failed: {}", exception == null ? "?" : exception.getMessage());
    }
  }

  /**
   * Paho's single callback: copies nothing, blocks on nothing, hands the message to the worker. A
   * replaced client's late events are ignored (what it received unacknowledged, the broker keeps).
   */
  private final class Callback implements MqttCallback {
    private final MqttAsyncClient owner;

    Callback(MqttAsyncClient owner) {
      this.owner = owner;
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      if (owner != client) {
        return;
      }
      byte[] payload = message.getPayload();
      List<UserProperty> properties = message.getProperties() == null ? null
          : message.getProperties().getUserProperties();
      Delivery delivery = new Delivery(message.getId(), message.getQos(), message.isRetained(),
          properties == null ? List.of() : properties);
      synchronized (unacknowledged) {
        unacknowledged.addLast(delivery);
      }
      worker.execute(
          () -> {
            try {
              handler.onMessage(topic, payload, delivery);
            } catch (RuntimeException e) {
              Logger.warn(e, "message on {} not handled", topic);
            } finally {
              release(delivery);
            }
          });
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
      if (owner != client) {
        return;
      }
      forgetUnacknowledged();
      if (response.getReturnCode() == SESSION_TAKEN_OVER && mayReclaim()) {
        Logger.warn("another MQTT client connected as {} and took over this session (another collector"
            + " draining it?): taking it back in {} s", clientId, RECLAIM_DELAY_MS / 1000);
        if (reconnecting.compareAndSet(false, true)) {
          reconnectAfter(RECLAIM_DELAY_MS);
        }
      } else if (response.getReturnCode() == SESSION_TAKEN_OVER) {
        takenOver = true;
        // Another client connected with our id: reconnecting would take it back, for ever.
        Logger.error("another MQTT client connected as {} and took over this session: give each one its own"
            + " client id; not reconnecting", clientId);
        worker.execute(HostConnection.this::closeClient);
      } else if (!closing) {
        String why = response.getException() != null ? response.getException().getMessage()
            : response.getReasonString();
        Logger.warn("MQTT connection to {} lost ({}), reconnecting", brokerUrl, why == null ? "closed" : why);
        startReconnecting();
      }
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
      Logger.warn("MQTT error: {}", describe(exception));
    }

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {} // reconnections: see reconnect

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
  }
}
