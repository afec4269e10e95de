package dev.spela.fleet;

import dev.spela.boards.Names;
import dev.spela.boards.RepeatedLines;
import dev.spela.protocols.fleet.CodeNames;
import dev.spela.protocols.fleet.AckMessage;
import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.BlockMessage;
import dev.spela.protocols.fleet.BlockRequestMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.DataMessage;
import dev.spela.protocols.fleet.DeathMessage;
import dev.spela.protocols.fleet.DropCounters;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.HostStateMessage;
import dev.spela.protocols.fleet.Message;
import dev.spela.protocols.fleet.MessageAuthenticator;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.OfferMessage;
import dev.spela.protocols.fleet.ReceiptMessage;
import dev.spela.protocols.fleet.ReplayWindow;
import dev.spela.protocols.fleet.Topic;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.fleet.security.ClientSecurity;
import dev.spela.fleet.security.ImageSigner;
import dev.spela.fleet.security.MessageKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.tinylog.Logger;

/**
 * The host side of fleet protocol v2 (protocols/PROTOCOL.md) on one MQTT 5 connection: host STATE
 * (will and retained online message), the live device table from BIRTH and DEATH, telemetry,
 * commands with their ACKs, and image transfers. Every message is decoded by the protocol's
 * flyweights on the connection's single worker thread; anything malformed, unknown or addressed to
 * another session is counted and dropped with a log line.
 *
 * <p>Host roles (PROTOCOL.md section 7, {@link HostRole}): a <em>primary</em> host (monitor, demo)
 * owns the retained STATE and its will, with a session newer than any it has seen, kept across
 * reconnections, and re-announces that same session if it sees itself reported offline. A
 * short-lived command is <em>secondary</em>: STATE online, not retained, no will, never offline;
 * devices answer it with a BIRTH but keep following the primary.
 */
public final class FleetHost implements AutoCloseable {

  public static final String DEFAULT_HOST_ID = "spela-host";

  /**
   * MQTT 5 user properties of a shared collector's STATE offline and will: its MQTT client id and
   * its share name (PROTOCOL.md section 7, "Collectors sharing DATA").
   */
  static final String COLLECTOR_PROPERTY = "spela-collector";
  static final String SHARE_PROPERTY = "spela-share";

  /** Receives fleet events on the connection's worker thread; must not block. */
  public interface Listener {
    default void onBirth(DeviceView device) {}

    default void onDeath(DeviceView device) {}

    /** A DEATH with its reason ({@code DeathMessage.CONNECTION_LOST}, {@code SHUTDOWN}, {@code REBOOT}). */
    default void onDeath(DeviceView device, int reason) {
      onDeath(device);
    }

    default void onTelemetry(TelemetryRecord record) {}

    /**
     * A record with its MQTT delivery: a listener that stores it holds the delivery until the record
     * is committed, so that the broker keeps it until then.
     */
    default void onTelemetry(TelemetryRecord record, HostConnection.Delivery delivery) {
      onTelemetry(record);
    }

    /** A command's answer, to this host or to another host program. */
    default void onAck(Ack ack) {}

    /** {@code missing} messages of the device's session did not arrive (a gap in {@code seq}). */
    default void onSequenceGap(String device, long bdSeq, int missing) {}

    /**
     * A device asked for image blocks from {@code offset}; {@code imageLength} is 0 when another
     * host program serves the transfer.
     */
    default void onBlockRequest(String device, long transferId, long offset, long imageLength) {}

    default void onVerdict(String device, Verdict verdict) {}

    /**
     * True for a listener that stores telemetry and, after each commit, hands what it committed
     * to {@link #sendReceipts}: a primary host with such a listener announces RECEIPTS in its
     * STATE, and devices then keep each record until a receipt names it (PROTOCOL.md section 9).
     */
    default boolean sendsReceipts() {
      return false;
    }

    /** The host this listener was given to, before any message arrives (for its receipts). */
    default void attached(FleetHost host) {}
  }

  /**
   * What to subscribe to. {@code sharedGroup} non-null: DATA through {@code $share/<group>/...}.
   * {@code session} null: a clean MQTT session with a client id of its own.
   */
  public record Options(boolean primary, boolean telemetry, String sharedGroup, HostConnection.Session session) {
    public Options(boolean primary, boolean telemetry, String sharedGroup) {
      this(primary, telemetry, sharedGroup, null);
    }

    public static Options secondary() {
      return new Options(false, false, null);
    }

    public static Options primary(boolean telemetry, String sharedGroup) {
      return new Options(true, telemetry, sharedGroup);
    }

    public Options withSession(HostConnection.Session session) {
      return new Options(primary, telemetry, sharedGroup, session);
    }
  }

  /** A device's answer to a command; {@code accuracyQ15} is filled for a successful EVALUATE. */
  public record Ack(String device, long commandId, int code, int status, long evaluatedSamples, int[] accuracyQ15) {
    public boolean ok() {
      return status == 0;
    }

    public String statusName() {
      return CodeNames.ackStatus(status);
    }
  }

  /** The end of an image transfer. */
  public record Verdict(long transferId, int outcome, int reason, int detail, String runningSha256) {
    public boolean confirmed() {
      return outcome == VerdictMessage.CONFIRMED;
    }

    /** The outcome and reason, and for a refused signature or counter why, in one line. */
    public String describe() {
      String code = reason == VerdictMessage.NONE
          ? CodeNames.outcome(outcome)
          : CodeNames.outcome(outcome) + "/" + CodeNames.reason(reason);
      return switch (reason) {
        case VerdictMessage.BAD_SIGNATURE -> code + " (" + CodeNames.signatureStatus(detail) + ")";
        case VerdictMessage.DOWNGRADE -> code + " (its security counter is below the device's)";
        default -> code;
      };
    }
  }

  private final HostConnection connection;
  /** PROTOCOL.md section 5's keys; null in an {@code --insecure} fleet (nothing sealed or checked). */
  private final MessageKeys keys;
  private final Name hostName;
  private final HostRole role;
  private final Options options;
  private final String brokerUrl;
  private final String hostId;
  private final ClientSecurity security;
  /** A shared collector's watch over the other collectors of its group; null otherwise. */
  private final LeftCollectors leftCollectors;
  /** Messages received (a drained session's progress). */
  private final AtomicLong received = new AtomicLong();
  private final Map<String, DeviceView> devices = new ConcurrentHashMap<>();
  private final DeviceSessions sessions;
  private final Map<String, ImageTransfer> transfers = new ConcurrentHashMap<>();
  /** Devices someone waits for in {@link #awaitDevice}, with how many wait. */
  private final Map<String, Integer> awaited = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final List<Ack> acks = new ArrayList<>();
  private final DropCounters drops = new DropCounters();
  private final RepeatedLines dropLines = new RepeatedLines(10_000);
  private final AtomicInteger nextCommandId = new AtomicInteger(ThreadLocalRandom.current().nextInt(1, 1 << 30));
  private final Object changes = new Object();
  private volatile long lastBirthNanos = System.nanoTime();
  private volatile boolean closing;

  // Decoding flyweights: used on the worker thread only.
  private final Topic topic = new Topic();
  private final Name name = new Name();
  private final BirthMessage birth = new BirthMessage();
  private final DeathMessage death = new DeathMessage();
  private final DataMessage data = new DataMessage();
  private final AckMessage ack = new AckMessage();
  private final BlockRequestMessage blockRequest = new BlockRequestMessage();
  private final VerdictMessage verdict = new VerdictMessage();
  private final HostStateMessage stateIn = new HostStateMessage();
  /** Per device: the key its messages were last checked with and their counters (worker only). */
  private final Map<String, DeviceCounters> counters = new HashMap<>();

  /** A device's key as last used, and the counters accepted under it. */
  private record DeviceCounters(byte[] key, MessageAuthenticator mac, ReplayWindow window) {}

  /** Opens once the connection is assigned: a resumed session delivers messages at once. */
  private final CountDownLatch ready = new CountDownLatch(1);

  private FleetHost(String brokerUrl, String hostId, Options options, long newerThan, ClientSecurity security,
      Listener... listeners)
      throws IOException {
    this.hostName = Names.of(hostId);
    this.keys = security.keys();
    this.options = options;
    this.brokerUrl = brokerUrl;
    this.hostId = hostId;
    this.security = security;
    // Only a host that gets all of a device's messages can tell a loss from one it never asked for.
    this.sessions = new DeviceSessions(options.telemetry() && options.sharedGroup() == null);
    this.listeners.addAll(List.of(listeners));
    String stateTopic = topic(Topic.STATE, null, hostName);
    boolean receipts = options.telemetry() && this.listeners.stream().anyMatch(Listener::sendsReceipts);
    this.role = options.primary()
        ? HostRole.primary(stateTopic, keys, newerThan, receipts)
        : HostRole.secondary(stateTopic, keys);
    HostConnection.Session mqttSession =
        options.session() != null ? options.session() : HostConnection.Session.clean(clientId(hostId));
    if (options.primary() && mqttSession.persistent()) {
      mqttSession = mqttSession.reclaiming(); // a collector goes on collecting after a drain took its session
    }
    this.leftCollectors = sharedCollector(options)
        ? new LeftCollectors(mqttSession.clientId(), options.sharedGroup(), this::drainer) : null;
    this.connection = HostConnection.connect(brokerUrl, mqttSession, will(), new Router(), security);
    this.listeners.forEach(l -> l.attached(this)); // messages wait for ready
    ready.countDown();
  }

  /** Every device's DATA, through the shared subscription of the collectors' group if it has one. */
  private String dataFilter() {
    String filter = "spela/v2/+/DATA/+";
    return options.sharedGroup() == null ? filter : "$share/" + options.sharedGroup() + "/" + filter;
  }

  /** A primary that collects DATA through a shared subscription in a persistent session. */
  private static boolean sharedCollector(Options options) {
    return options.primary() && options.telemetry() && options.sharedGroup() != null && options.session() != null
        && options.session().persistent();
  }

  /** Names a shared collector's session on its STATE offline and will; none for other hosts. */
  private Map<String, String> collectorProperties() {
    return leftCollectors == null ? Map.of()
        : Map.of(COLLECTOR_PROPERTY, options.session().clientId(), SHARE_PROPERTY, options.sharedGroup());
  }

  private HostConnection.Will will() {
    HostConnection.Will will = role.will();
    return will == null ? null
        : new HostConnection.Will(will.topic(), will.payload(), will.retained(), collectorProperties());
  }

  /**
   * A host in the session of the shared collector {@code clientId} that left this one's group,
   * passing the records the broker kept there to this host's listeners ({@link LeftCollectors}).
   */
  private FleetHost drainer(String clientId) throws IOException {
    HostConnection.Session session = HostConnection.Session.persistent(clientId, options.session().expirySeconds(),
        options.session().receiveMaximum());
    Listener telemetry = new Listener() {
      @Override
      public void onTelemetry(TelemetryRecord record, HostConnection.Delivery delivery) {
        listeners.forEach(l -> l.onTelemetry(record, delivery));
      }
    };
    return new FleetHost(brokerUrl, hostId, new Options(false, true, options.sharedGroup(), session), 0, security,
        telemetry);
  }

  /**
   * In a left collector's session ({@link #drainer}): stops the broker giving the session more of
   * the shared DATA, takes what it kept there, and ends the session once all of it is stored. The
   * end is known from a STATE of this host's own (SECONDARY, not retained) published after the
   * unsubscription: the broker sends a session's messages in the order it queued them, so it
   * arrives after everything kept before it.
   *
   * @return the messages received from the session, or -1 if it was not ended (another client
   *     took it, say the collector itself came back, or it stalled; the broker keeps the rest)
   */
  long drainLeftSession(Duration stall) throws IOException, InterruptedException {
    if (connection.sessionPresent()) {
      connection.unsubscribe(dataFilter());
      connection.subscribe(role.topic(), 1); // kept in the session; again in case it was not
      announce();
      long seen = -1;
      while (!role.awaitOwnState(stall)) {
        if (connection.takenOver() || received.get() == seen) {
          return -1;
        }
        seen = received.get();
      }
      if (!connection.awaitAcknowledged(stall.toMillis()) || connection.takenOver()) {
        return -1;
      }
    }
    closing = true;
    connection.closeAndEndSession();
    return received.get();
  }

  /**
   * Connects, subscribes and announces the host online: every device waiting for this host id
   * then publishes a BIRTH, which fills the device table. A primary host whose STATE topic shows a
   * session at least its own (a host clock behind an earlier one's) connects again with a newer one.
   */
  public static FleetHost open(String brokerUrl, String hostId, Options options, Listener... listeners)
      throws IOException {
    return open(brokerUrl, hostId, options, ClientSecurity.NONE, listeners);
  }

  /**
   * As {@link #open(String, String, Options, Listener...)}, logging in and checking the broker as
   * {@code security} says (the fleet's {@code hostClient()}: TLS trusting the fleet CA, the host
   * account).
   */
  public static FleetHost open(String brokerUrl, String hostId, Options options, ClientSecurity security,
      Listener... listeners) throws IOException {
    FleetHost host = subscribeAndAnnounce(new FleetHost(brokerUrl, hostId, options, 0, security, listeners));
    long seen = host.role.largestSeen();
    if (seen >= host.role.session()) {
      Logger.info("host session {} seen on the STATE topic: taking {}", seen, seen + 1);
      host.connection.close();
      host = subscribeAndAnnounce(new FleetHost(brokerUrl, hostId, options, seen, security, listeners));
    }
    return host;
  }

  private static FleetHost subscribeAndAnnounce(FleetHost host) throws IOException {
    Options options = host.options;
    try {
      HostConnection c = host.connection;
      // Our STATE topic first: its retained STATE (a session this primary must beat) comes after
      // the subscription's acknowledgement, and the other subscriptions give it time to arrive
      // before our own STATE's echo ends the wait for it (brokers do not order the two).
      c.subscribe(host.role.topic(), 1);
      for (String token : new String[] {"BIRTH", "DEATH", "ACK", "IMGRSP"}) {
        c.subscribe("spela/v2/+/" + token + "/+", 1);
      }
      if (options.telemetry()) {
        c.subscribe(host.dataFilter(), 1);
      }
      host.announce();
      host.role.awaitOwnState(ANNOUNCE_ECHO);
      if (!options.primary()) {
        host.startReannouncing();
      }
      return host;
    } catch (IOException | RuntimeException e) {
      host.connection.close();
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      host.connection.close();
      throw new IOException("interrupted while announcing the host", e);
    }
  }

  /** How long a host waits to see its own STATE come back (and any retained one before it). */
  private static final Duration ANNOUNCE_ECHO = Duration.ofSeconds(5);

  /** The host session (PROTOCOL.md section 2): a primary's, or a secondary's connect time. */
  public long session() {
    return role.session();
  }

  /**
   * A secondary host's STATE is not retained: a device that connects later (say after the reboot
   * that ends an image transfer) has not heard it. While a device this host waits for is offline,
   * it announces itself again every {@link #REANNOUNCE}; devices answer with at most one BIRTH per
   * such interval.
   */
  private void startReannouncing() {
    Thread thread = new Thread(() -> {
      try {
        while (!closing) {
          synchronized (changes) {
            changes.wait(REANNOUNCE.toMillis());
          }
          if (!closing && awaitedOffline()) {
            announce();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        Logger.debug("re-announcing host: {}", e.getMessage());
      }
    }, "fleet-host-reannounce");
    thread.setDaemon(true);
    thread.start();
  }

  private static final Duration REANNOUNCE = Duration.ofSeconds(2);

  private boolean awaitedOffline() {
    for (String id : awaited.keySet()) {
      if (device(id).filter(DeviceView::online).isEmpty()) {
        return true;
      }
    }
    for (String id : transfers.keySet()) {
      if (device(id).filter(DeviceView::online).isEmpty()) {
        return true;
      }
    }
    return false;
  }


  private static String clientId(String hostId) {
    return hostId + "-" + Long.toString(System.nanoTime() & 0xFFFFFFFFL, 36);
  }

  private void announce() throws IOException {
    lastBirthNanos = System.nanoTime(); // answers take a moment: quiet is counted from here
    connection.publish(role.topic(), role.online(), 1, role.retained());
  }

  /** Publishes STATE offline (primary hosts) and disconnects. */
  @Override
  public void close() {
    closing = true;
    changed();
    transfers.values().forEach(ImageTransfer::cancel);
    if (leftCollectors != null) {
      leftCollectors.close();
    }
    if (options.primary()) {
      try {
        connection.publish(role.topic(), role.offline(), 1, true, collectorProperties());
      } catch (IOException e) {
        Logger.debug("publishing STATE offline: {}", e.getMessage());
      }
    }
    connection.close();
    dropLines.flush(Logger::warn);
  }

  // ------------------------------------------------------------------ the device table

  /** Devices seen, by id. */
  public List<DeviceView> devices() {
    List<DeviceView> list = new ArrayList<>(devices.values());
    list.sort(Comparator.comparing(DeviceView::id));
    return list;
  }

  public Optional<DeviceView> device(String id) {
    return Optional.ofNullable(devices.get(id));
  }

  /**
   * Waits until {@code condition} holds for the device table (re-checked after every change).
   *
   * @return true if it held within the timeout
   */
  public boolean await(Predicate<FleetHost> condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (changes) {
      while (!condition.test(this)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        changes.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  /** Waits for a BIRTH of the device that satisfies {@code condition}. */
  public Optional<DeviceView> awaitDevice(String id, Predicate<DeviceView> condition, Duration timeout)
      throws InterruptedException {
    awaited.merge(id, 1, Integer::sum);
    try {
      await(h -> h.device(id).filter(d -> d.online() && condition.test(d)).isPresent(), timeout);
    } finally {
      awaited.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
    }
    return device(id).filter(d -> d.online() && condition.test(d));
  }

  /**
   * Waits until no BIRTH has arrived for {@code quiet} (devices answer the host's STATE with a
   * BIRTH each), at most {@code max} from now: the device table is then complete as far as the
   * network can tell.
   */
  public void awaitSettled(Duration quiet, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (true) {
      long now = System.nanoTime();
      long quietUntil = lastBirthNanos + quiet.toNanos();
      if (now >= quietUntil || now >= deadline) {
        return;
      }
      long wait = Math.min(quietUntil, deadline) - now;
      synchronized (changes) {
        changes.wait(Math.max(1, wait / 1_000_000));
      }
    }
  }

  private void changed() {
    synchronized (changes) {
      changes.notifyAll();
    }
  }

  public int dropped(int status) {
    synchronized (drops) {
      return drops.count(status);
    }
  }

  public int droppedTotal() {
    synchronized (drops) {
      return drops.total();
    }
  }

  /** Messages found missing from the sequence numbers. */
  public int gaps() {
    return (int) Math.min(Integer.MAX_VALUE, sessions.missing());
  }

  // ------------------------------------------------------------------ commands

  /**
   * Sends a command to an online device and waits for its ACK, resending the same command id
   * every few seconds (the device executes an id once, and answers repeats with the kept ACK).
   *
   * @throws IOException if the device is unknown or offline, or does not answer in time
   */
  public Ack command(String deviceId, int code, int argument, Duration timeout)
      throws IOException, InterruptedException {
    long commandId = nextCommandId.getAndIncrement() & 0xFFFFFFFFL;
    long deadline = System.nanoTime() + timeout.toNanos();
    long resendNanos = Duration.ofSeconds(3).toNanos();
    while (true) {
      DeviceView device = devices.get(deviceId);
      if (device == null || !device.online()) {
        throw new IOException("device " + deviceId + " is not online");
      }
      connection.publish(commandTopic(device), command(device, device.bdSeq(), commandId, code, argument), 1, false);
      long until = Math.min(deadline, System.nanoTime() + resendNanos);
      synchronized (changes) {
        while (true) {
          for (Ack a : acks) {
            if (a.device().equals(deviceId) && a.commandId() == commandId) {
              return a;
            }
          }
          long left = until - System.nanoTime();
          if (left <= 0) {
            break;
          }
          changes.wait(Math.max(1, left / 1_000_000));
        }
      }
      if (System.nanoTime() >= deadline) {
        throw new IOException("device " + deviceId + " did not acknowledge the command in "
            + timeout.toSeconds() + " s");
      }
    }
  }

  // ------------------------------------------------------------------ receipts

  /**
   * Tells the devices which of their records are committed (PROTOCOL.md section 9, "Receipts"):
   * one RECEIPT per run of at most 32 record numbers of a device's boot and session, with a bit
   * for each record of {@code committed} (new or already stored). Call only once they are all
   * committed. A receipt that cannot be sent is logged: the device sends the records again after
   * its next reconnection or this host's next announcement.
   */
  public void sendReceipts(List<TelemetryRecord> committed) {
    Map<ReceiptKey, List<Long>> byBoot = new HashMap<>();
    for (TelemetryRecord r : committed) {
      byBoot.computeIfAbsent(new ReceiptKey(r.device(), r.group(), r.life(), r.bootCount(), r.bdSeq()),
          k -> new ArrayList<>()).add(r.recordCounter());
    }
    byBoot.forEach((key, numbers) -> {
      numbers.sort(null);
      int k = 0;
      while (k < numbers.size()) {
        long first = numbers.get(k);
        int bitmap = 0;
        for (; k < numbers.size() && numbers.get(k) - first < ReceiptMessage.SPAN; k++) {
          bitmap |= 1 << (int) (numbers.get(k) - first);
        }
        try {
          publishReceipt(key, first, bitmap);
        } catch (IOException e) {
          Logger.debug("receipt to {}: {}", key.device(), e.getMessage());
        }
      }
    });
  }

  /** The records a receipt can cover: one device's boot, sent in one session. */
  private record ReceiptKey(String device, String group, String life, long bootCount, long bdSeq) {}

  private void publishReceipt(ReceiptKey key, long first, int bitmap) throws IOException {
    ReceiptMessage receipt = new ReceiptMessage();
    receipt.wrapForEncode(messageBuffer(FleetProtocol.RECEIPT, ReceiptMessage.BODY_LENGTH), 0,
        messageLength(FleetProtocol.RECEIPT, ReceiptMessage.BODY_LENGTH), 0, (int) key.bdSeq());
    long lifeId = key.life().isEmpty() ? 0 : Long.parseUnsignedLong(key.life(), 16);
    receipt.receipt(lifeId, (int) key.bootCount(), (int) first, bitmap);
    String topic = topic(Topic.COMMAND, Names.of(key.group()), Names.of(key.device()));
    connection.publish(topic, sealed(topic, key.device(), receipt), 1, false);
  }

  // ------------------------------------------------------------------ image transfers

  /**
   * Offers an image to a device and serves its block requests until its VERDICT. One transfer per
   * device at a time; a new one replaces it. In a secured fleet an unsigned image is signed first
   * (security counter 0: {@link #sign} for another); a signed one is sent as it is.
   */
  public ImageTransfer offer(String deviceId, byte[] image, int blockLog2, ImageTransfer.Tamper tamper)
      throws IOException {
    DeviceView device = devices.get(deviceId);
    if (device == null || !device.online()) {
      throw new IOException("device " + deviceId + " is not online");
    }
    if ((device.capabilities() & BirthMessage.CAN_RECEIVE_IMAGES) == 0) {
      throw new IOException("device " + deviceId + " cannot receive images");
    }
    int log2 = Math.min(blockLog2, device.maxBlockLog2());
    byte[] sent = ImageSigner.signed(image) ? image : sign(image, 0);
    ImageTransfer transfer = new ImageTransfer(this, device, sent, log2, tamper);
    ImageTransfer previous = transfers.put(deviceId, transfer);
    if (previous != null) {
      previous.cancel();
    }
    transfer.start();
    return transfer;
  }

  /**
   * {@code image} signed with the fleet's key and {@code securityCounter} (MODEL_FORMAT.md, "Signed
   * images"; a trailer it has is replaced); the image as it is in an {@code --insecure} fleet, whose
   * devices check no signatures.
   */
  public byte[] sign(byte[] image, long securityCounter) {
    return keys == null ? image : keys.signImage(image, securityCounter);
  }

  void publishOffer(ImageTransfer transfer) throws IOException {
    DeviceView device = devices.getOrDefault(transfer.deviceId(), transfer.device());
    OfferMessage offer = new OfferMessage();
    offer.wrapForEncode(messageBuffer(FleetProtocol.OFFER, OfferMessage.BODY_LENGTH), 0,
        messageLength(FleetProtocol.OFFER, OfferMessage.BODY_LENGTH), 0, (int) device.bdSeq());
    offer.offer((int) transfer.transferId(), transfer.image().length, transfer.blockLog2(), transfer.sha256(), 0)
        .securityCounter((int) transfer.securityCounter());
    String topic = imageTopic(device);
    connection.publish(topic, sealed(topic, device.id(), offer), 1, false);
  }

  void publishBlock(ImageTransfer transfer, long bdSeq, int offset, byte[] data, int length) throws IOException {
    BlockMessage message = new BlockMessage();
    int body = BlockMessage.DATA + length;
    message.wrapForEncode(messageBuffer(FleetProtocol.BLOCK, body), 0, messageLength(FleetProtocol.BLOCK, body), 0,
        (int) bdSeq);
    message.block((int) transfer.transferId(), offset, transfer.image(), offset, length);
    if (data != transfer.image()) {
      // A tampered copy: the CRC above is of the true data, the bytes sent are not.
      System.arraycopy(data, 0, message.buffer(), message.dataOffset(), length);
    }
    String topic = imageTopic(transfer.device());
    connection.publish(topic, sealed(topic, transfer.deviceId(), message), 0, false);
  }

  /** A CMD to a device's session, sealed in a secured fleet. */
  private byte[] command(DeviceView device, long bdSeq, long commandId, int code, int argument) throws IOException {
    CommandMessage cmd = new CommandMessage();
    cmd.wrapForEncode(messageBuffer(FleetProtocol.COMMAND, CommandMessage.BODY_LENGTH), 0,
        messageLength(FleetProtocol.COMMAND, CommandMessage.BODY_LENGTH), 0, (int) bdSeq);
    cmd.command((int) commandId, code, argument);
    return sealed(commandTopic(device), device.id(), cmd);
  }

  private static int messageLength(int type, int body) {
    return FleetProtocol.HEADER_LENGTH + body + FleetProtocol.trailerLength(type);
  }

  private static byte[] messageBuffer(int type, int body) {
    return new byte[messageLength(type, body)];
  }

  /**
   * The bytes to publish of a host message just encoded: in a secured fleet with the trailer
   * (PROTOCOL.md section 5), the host's next counter and the MAC with the device's key.
   *
   * @throws IOException if the fleet has no key for the device (it was never provisioned here)
   */
  private byte[] sealed(String topicName, String deviceId, Message message) throws IOException {
    if (keys != null) {
      keys.seal(topicName, deviceId, message);
    }
    return Arrays.copyOf(message.buffer(), message.encodedLength());
  }


  private String commandTopic(DeviceView device) {
    return topic(Topic.COMMAND, Names.of(device.group()), Names.of(device.id()));
  }

  void finished(ImageTransfer transfer) {
    transfers.remove(transfer.deviceId(), transfer);
  }

  private String imageTopic(DeviceView device) {
    return topic(Topic.IMAGE, Names.of(device.group()), Names.of(device.id()));
  }

  // ------------------------------------------------------------------ receiving

  private final class Router implements HostConnection.Handler {
    @Override
    public void onMessage(String topicName, byte[] payload) {
      throw new UnsupportedOperationException("messages come with their delivery");
    }

    @Override
    public void onMessage(String topicName, byte[] payload, HostConnection.Delivery delivery) {
      try {
        ready.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      receive(topicName, payload, delivery);
    }

    @Override
    public void onReconnected() {
      try {
        announce(); // our will may have told the devices we were gone
      } catch (IOException e) {
        Logger.warn("re-announcing host: {}", e.getMessage());
      }
    }
  }

  private void receive(String topicName, byte[] payload, HostConnection.Delivery delivery) {
    received.incrementAndGet();
    byte[] t = topicName.getBytes(StandardCharsets.UTF_8);
    int status = topic.parse(t, 0, t.length);
    if (status != FleetStatus.OK) {
      drop(topicName, status);
      return;
    }
    int type = FleetProtocol.receivedType(topic.kind(), payload, payload.length);
    if (type < 0) {
      drop(topicName, type);
      return;
    }
    if (type == FleetProtocol.HOST_STATE) {
      onHostState(topicName, payload, delivery);
      return;
    }
    if (!FleetProtocol.fromDevice(type) || type == FleetProtocol.CLAIM) {
      return; // our own host messages, or provisioning (handled by the provisioner's connection)
    }
    if (delivery.retained()) {
      // Devices never publish retained (PROTOCOL.md 12): a stored copy is a ghost, not the device
      // (Mosquitto's ACLs cannot refuse a device's retained publish on its own topics).
      drop(topicName, FleetStatus.REPLAYED);
      return;
    }
    topic.id(name);
    String deviceId = Names.toString(name);
    topic.group(name);
    String group = Names.toString(name);
    switch (type) {
      case FleetProtocol.BIRTH -> onBirth(topicName, payload, deviceId, group);
      case FleetProtocol.DEATH -> onDeath(topicName, payload, deviceId);
      case FleetProtocol.DATA -> onData(topicName, payload, deviceId, group, delivery);
      case FleetProtocol.ACK -> onAck(topicName, payload, deviceId);
      case FleetProtocol.BLOCK_REQUEST -> onBlockRequest(topicName, payload, deviceId);
      case FleetProtocol.VERDICT -> onVerdict(topicName, payload, deviceId);
      default -> drop(topicName, FleetStatus.BAD_TOPIC);
    }
  }

  /**
   * Counts a dropped message and says so: a STALE_SESSION (a late will, or a device's message from
   * before the BIRTH this host saw, normal after reconnections) in detail only, others at WARN, a
   * repeated kind as one line with a count ({@link RepeatedLines}).
   */
  private void drop(String topicName, int status) {
    synchronized (drops) {
      drops.drop(status);
    }
    String line = "dropped a message on " + topicName + ": " + FleetStatus.name(status);
    if (status == FleetStatus.STALE_SESSION) {
      Logger.debug(line);
    } else {
      String once = dropLines.admit(FleetStatus.name(status), line);
      if (once != null) {
        Logger.warn(once);
      }
    }
    changed();
  }

  private boolean decode(Message message, String topicName, byte[] payload) {
    int status = message.wrap(payload, 0, payload.length);
    if (status == FleetStatus.OK && keys != null) {
      status = !message.authenticated() ? FleetStatus.UNAUTHENTICATED
          : keys.signedByHost(topicName.getBytes(StandardCharsets.US_ASCII), payload, message.signedLength(),
              message.tagOffset()) ? FleetStatus.OK : FleetStatus.BAD_MAC;
    }
    if (status != FleetStatus.OK) {
      drop(topicName, status);
      return false;
    }
    return true;
  }

  /**
   * Decodes a device's message and, in a secured fleet, authenticates it (PROTOCOL.md section 5):
   * the MAC with that device's key, a counter whose high half is the header's bdSeq, and one not
   * accepted before ({@link ReplayWindow}, per device for as long as its key stays the same).
   */
  private boolean decode(Message message, String topicName, byte[] payload, String deviceId) {
    int status = message.wrap(payload, 0, payload.length);
    if (status == FleetStatus.OK && keys != null) {
      status = authenticate(message, topicName, deviceId);
    }
    if (status != FleetStatus.OK) {
      drop(topicName, status);
      return false;
    }
    return true;
  }

  private int authenticate(Message message, String topicName, String deviceId) {
    if (!message.authenticated()) {
      return FleetStatus.UNAUTHENTICATED;
    }
    Optional<byte[]> key = keys.deviceKey(deviceId);
    if (key.isEmpty()) {
      return FleetStatus.UNAUTHENTICATED; // not a device of this fleet
    }
    DeviceCounters known = counters.get(deviceId);
    if (known == null || !Arrays.equals(known.key(), key.get())) {
      MessageAuthenticator mac = new MessageAuthenticator();
      mac.key(key.get(), 0);
      known = new DeviceCounters(key.get(), mac, new ReplayWindow()); // a new key counts afresh
      counters.put(deviceId, known);
    }
    byte[] t = topicName.getBytes(StandardCharsets.US_ASCII);
    int status = known.mac().verify(t, 0, t.length, message);
    if (status != FleetStatus.OK) {
      return status;
    }
    if (message.counter() >>> 32 != (message.bdSeq() & 0xFFFFFFFFL)) {
      return FleetStatus.BAD_FIELD; // a device numbers its messages within its session
    }
    // DATA is stored idempotently by its key (PROTOCOL.md section 9), so a copy is harmless, and
    // the broker must be able to deliver again what a collector did not acknowledge (after a
    // restart of either): only the other types go through the replay window.
    return message.type() == FleetProtocol.DATA ? FleetStatus.OK : known.window().accept(message.counter());
  }

  /**
   * Session and sequence checks for device messages other than BIRTH and DEATH ({@link
   * DeviceSessions}). Returns false for a message of another session, counted as dropped
   * (STALE_SESSION; a BLOCK_REQUEST is answered anyway). Asks for a REBIRTH when the rules say so.
   */
  private boolean inSession(Message message, String topicName, String deviceId) {
    boolean inSession = checkSession(message, deviceId);
    if (!inSession) {
      drop(topicName, FleetStatus.STALE_SESSION);
    }
    return inSession;
  }

  /** As {@link #inSession}, for a message used either way: not counted as dropped. */
  private boolean checkSession(Message message, String deviceId) {
    long bdSeq = message.bdSeq() & 0xFFFFFFFFL;
    DeviceSessions.Check check = sessions.message(deviceId, bdSeq, message.seq());
    if (check.missing() > 0) {
      int missing = check.missing();
      Logger.debug("{}: {} message(s) missing before seq {}", deviceId, missing, message.seq());
      listeners.forEach(l -> l.onSequenceGap(deviceId, bdSeq, missing));
    }
    DeviceView device = devices.get(deviceId);
    if (check.askRebirth() && device != null) {
      askRebirth(device, bdSeq);
    }
    return check.inSession();
  }

  private void askRebirth(DeviceView device, long bdSeq) {
    try {
      byte[] payload = command(device, bdSeq, nextCommandId.getAndIncrement(), CommandMessage.REBIRTH, 0);
      connection.publish(commandTopic(device), payload, 1, false);
    } catch (IOException e) {
      Logger.debug("asking {} for a BIRTH: {}", device.id(), e.getMessage());
    }
  }

  /**
   * Our STATE topic: a primary answers a report of itself offline ({@link HostRole#onState}), and
   * anything there it cannot take (malformed, unsigned, a bad signature), which someone with broker
   * rights may have left retained in place of its own, with its own STATE again.
   */
  private void onHostState(String topicName, byte[] payload, HostConnection.Delivery delivery) {
    boolean valid = decode(stateIn, topicName, payload);
    if (valid && leftCollectors != null && !closing) {
      leftCollectors.onState(stateIn, delivery);
    }
    HostRole.Answer answer = valid ? role.onState(stateIn)
        : options.primary() ? HostRole.Answer.ANNOUNCE : HostRole.Answer.NOTHING;
    if (closing || answer == HostRole.Answer.NOTHING) {
      return;
    }
    if (answer == HostRole.Answer.TAKE_OVER) {
      long left = stateIn.session();
      role.takeOverFrom(left);
      Logger.info("the primary host of session {} left {}: taking its devices back with session {}",
          left, topicName, role.session());
      connection.reconnectWithWill(will()); // announces once connected (Router.onReconnected)
      return;
    }
    try {
      announce();
    } catch (IOException e) {
      Logger.warn("re-announcing host: {}", e.getMessage());
    }
  }

  private void onBirth(String topicName, byte[] payload, String deviceId, String group) {
    if (!decode(birth, topicName, payload, deviceId)) {
      return;
    }
    birth.boardId(name);
    byte[] sha = new byte[32];
    birth.imageSha256(sha, 0);
    DeviceView view = new DeviceView(deviceId, group, Names.toString(name), birth.bdSeq() & 0xFFFFFFFFL,
        birth.bootCount() & 0xFFFFFFFFL, true, birth.capabilities(), birth.trainingState(), birth.samplesSeen(),
        birth.layerCount(), birth.classCount(), birth.learningRate(), birth.ramBudget() & 0xFFFFFFFFL,
        birth.ramUsed() & 0xFFFFFFFFL, birth.flashBudget() & 0xFFFFFFFFL, birth.flashUsed() & 0xFFFFFFFFL,
        birth.imageSlotBytes(), birth.maxBlockLog2(), birth.imageLength(),
        DeviceView.hex(sha, birth.imageState() != BirthMessage.IMAGE_NONE),
        birth.pendingTransferId() & 0xFFFFFFFFL, birth.pendingOffset() & 0xFFFFFFFFL, System.currentTimeMillis(),
        TelemetryRecord.life(birth.lifeId()));
    devices.put(deviceId, view);
    lastBirthNanos = System.nanoTime();
    sessions.birth(deviceId, view.bdSeq());
    listeners.forEach(l -> l.onBirth(view));
    changed();
  }

  private void onDeath(String topicName, byte[] payload, String deviceId) {
    if (!decode(death, topicName, payload, deviceId)) {
      return;
    }
    DeviceView device = devices.get(deviceId);
    if (device == null || !sessions.death(deviceId, death.bdSeq() & 0xFFFFFFFFL)) {
      drop(topicName, FleetStatus.STALE_SESSION); // the late will of an older session
      return;
    }
    DeviceView offline = device.offline();
    devices.put(deviceId, offline);
    int reason = death.reason();
    listeners.forEach(l -> l.onDeath(offline, reason));
    changed();
  }

  private void onData(
      String topicName, byte[] payload, String deviceId, String group, HostConnection.Delivery delivery) {
    if (!decode(data, topicName, payload, deviceId)) {
      return;
    }
    // Stored either way (its key does not need the BIRTH), so not counted as dropped: a restarted
    // monitor gets what its session queued, sent in sessions before the BIRTH it sees.
    checkSession(data, deviceId);
    List<TelemetryRecord.Layer> layers = new ArrayList<>(data.layerCount());
    for (int k = 0; k < data.layerCount(); k++) {
      layers.add(new TelemetryRecord.Layer(data.accuracy(k), data.loss(k), data.weightNorm(k)));
    }
    TelemetryRecord record = new TelemetryRecord(deviceId, group, TelemetryRecord.life(data.lifeId()),
        data.bootCount() & 0xFFFFFFFFL, data.bdSeq() & 0xFFFFFFFFL,
        data.recordCounter() & 0xFFFFFFFFL, data.trainingState(), data.deviceTimeMs(), data.samplesSeen(),
        data.epoch() & 0xFFFFFFFFL, data.stepMicros() & 0xFFFFFFFFL, data.ramUsed() & 0xFFFFFFFFL,
        data.learningRate(), List.copyOf(layers));
    listeners.forEach(l -> l.onTelemetry(record, delivery));
    changed();
  }

  private void onAck(String topicName, byte[] payload, String deviceId) {
    if (!decode(ack, topicName, payload, deviceId)) {
      return;
    }
    if (!inSession(ack, topicName, deviceId)) {
      return; // accepted only for a session whose BIRTH this host saw (PROTOCOL.md section 7)
    }
    int[] accuracy = new int[ack.layerCount()];
    for (int k = 0; k < accuracy.length; k++) {
      accuracy[k] = ack.accuracy(k);
    }
    Ack answer = new Ack(deviceId, ack.commandId() & 0xFFFFFFFFL, ack.code(), ack.status(),
        ack.evaluatedSamples() & 0xFFFFFFFFL, accuracy);
    listeners.forEach(l -> l.onAck(answer));
    synchronized (changes) {
      acks.add(answer);
      if (acks.size() > 4096) {
        acks.subList(0, 2048).clear();
      }
      changes.notifyAll();
    }
  }

  private void onBlockRequest(String topicName, byte[] payload, String deviceId) {
    if (!decode(blockRequest, topicName, payload, deviceId)) {
      return;
    }
    inSession(blockRequest, topicName, deviceId); // answered with the request's own bdSeq
    ImageTransfer transfer = transfers.get(deviceId);
    long transferId = blockRequest.transferId() & 0xFFFFFFFFL;
    boolean served = transfer != null && transfer.transferId() == transferId;
    long offset = blockRequest.imageOffset() & 0xFFFFFFFFL;
    listeners.forEach(l -> l.onBlockRequest(deviceId, transferId, offset, served ? transfer.image().length : 0));
    if (!served) {
      // Usual when another host command serves the transfer: counted, logged only in detail.
      synchronized (drops) {
        drops.drop(FleetStatus.WRONG_TRANSFER);
      }
      Logger.debug("block request on {} for a transfer this host does not serve", topicName);
      return;
    }
    int status = transfer.serve(blockRequest.bdSeq() & 0xFFFFFFFFL, blockRequest.imageOffset(),
        blockRequest.blockCount());
    if (status != FleetStatus.OK) {
      drop(topicName, status);
    }
  }

  private void onVerdict(String topicName, byte[] payload, String deviceId) {
    if (!decode(verdict, topicName, payload, deviceId)) {
      return;
    }
    if (!inSession(verdict, topicName, deviceId)) {
      return; // as ACKs
    }
    byte[] sha = new byte[32];
    verdict.runningSha256(sha, 0);
    Verdict result = new Verdict(verdict.transferId() & 0xFFFFFFFFL, verdict.outcome(), verdict.reason(),
        verdict.detail(), DeviceView.hex(sha, true));
    ImageTransfer transfer = transfers.get(deviceId);
    if (transfer != null && transfer.transferId() == result.transferId()) {
      transfer.complete(result);
    }
    if (result.reason() == VerdictMessage.BAD_SIGNATURE || result.reason() == VerdictMessage.DOWNGRADE) {
      Logger.warn("{} refused image transfer {}: {}", deviceId, result.transferId(), result.describe());
    }
    listeners.forEach(l -> l.onVerdict(deviceId, result));
    changed();
  }

  private String topic(int kind, Name group, Name id) {
    byte[] buffer = new byte[Topic.MAX_LENGTH];
    int length = Topic.write(buffer, 0, kind, group, id);
    if (length < 0) {
      throw new IllegalArgumentException("cannot form a topic: " + FleetStatus.name(length));
    }
    return new String(buffer, 0, length, StandardCharsets.US_ASCII);
  }
}
