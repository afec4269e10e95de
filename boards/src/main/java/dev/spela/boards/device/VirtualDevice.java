package dev.spela.boards.device;

import dev.spela.agent.AgentConfig;
import dev.spela.agent.Board;
import dev.spela.agent.Clock;
import dev.spela.agent.DeviceAgent;
import dev.spela.agent.DeviceFlash;
import dev.spela.boards.Names;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.runtime.MemoryPlan;
import dev.spela.runtime.RuntimeStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLSocketFactory;
import org.tinylog.Logger;

/**
 * A virtual board on the network: the device's own agent ({@link DeviceAgent}, device code) with
 * thin adapters around it: Paho MQTT 3.1.1 as its transport, files (or memory) as its flash, a data
 * shard as its sensor, the JVM's clocks, and a slot on a {@link DeviceScheduler} that drives it.
 * Paho's callbacks only queue events and wake the device; the scheduler then runs the device's
 * task on one of its threads (never two at once): it hands the queued events to the agent, calls
 * {@link DeviceAgent#doWork}, and either runs again at once (training) or arms a timer for when
 * the agent is next due. Many devices share a few threads ({@code spela fleet simulate}); {@code
 * spela device run} gives its device a scheduler of its own with one thread.
 */
public final class VirtualDevice implements AutoCloseable {

  /**
   * How a device is set up.
   *
   * @param stateDir where the emulated flash is kept ({@code stateDir/deviceId}), or null for a
   *     flash in memory (lost when the device stops)
   * @param recordEvery training samples per DATA record
   * @param checkpointEvery DATA records per checkpoint
   * @param epochs passes over the shard after which the device stops training by itself (0: never)
   * @param credentials the device's login and the CA it trusts (TLS), or null for plain MQTT
   *     without a login ({@code --insecure})
   */
  public record Config(
      String deviceId,
      String group,
      String hostId,
      String brokerUrl,
      Path stateDir,
      BoardLimits limits,
      DataShard data,
      int recordEvery,
      int checkpointEvery,
      int epochs,
      DeviceCredentials credentials) {
    /** A device on plain MQTT without a login (for {@code --insecure} and tests that say why). */
    public Config(String deviceId, String group, String hostId, String brokerUrl, Path stateDir, BoardLimits limits,
        DataShard data, int recordEvery, int checkpointEvery, int epochs) {
      this(deviceId, group, hostId, brokerUrl, stateDir, limits, data, recordEvery, checkpointEvery, epochs, null);
    }

    /** This device with {@code credentials} (their device id and group replace the config's). */
    public Config secured(DeviceCredentials credentials) {
      return new Config(credentials.deviceId(), credentials.group(), hostId, brokerUrl, stateDir, limits, data,
          recordEvery, checkpointEvery, epochs, credentials);
    }
  }

  /** Something for the device's task to do. */
  private sealed interface Event {}

  private record Incoming(String topic, byte[] payload) implements Event {}

  private record Connected(Object connection) implements Event {}

  private record Lost(Object connection, String why) implements Event {}

  private record Drop() implements Event {}

  private static final long MAX_IDLE_MILLIS = 1_000;
  private static final long CLOCK_ORIGIN = System.nanoTime();
  private static final SecureRandom LIFE_IDS = new SecureRandom();
  private static final String FIRST_SLOT = "slot0.bin";

  private final String deviceId;
  private final Queue<Event> events = new ConcurrentLinkedQueue<>();
  private final CountingLink transport;
  private final DeviceAgent agent;
  private final DeviceScheduler scheduler;
  private final boolean ownScheduler;
  /** Wake-ups asked for; the task that moved it from 0 runs the device until it is 0 again. */
  private final AtomicInteger wakeups = new AtomicInteger();
  private final CountDownLatch finished = new CountDownLatch(1);
  private ScheduledFuture<?> timer; // only the device's task touches it
  private volatile boolean stopping;
  private volatile boolean killed;
  private volatile Throwable failure;
  // What the device's task saw last, for progress shown from other threads.
  private volatile boolean connected;
  private volatile int trainingState;
  private volatile int epoch;
  private volatile int bufferedRecords;
  private volatile int mostRecordsInFlight;
  private volatile int recordsDropped;
  private volatile int widestWindow;

  private VirtualDevice(Config config, DeviceFlash flash, MemoryPlan capacity,
      Function<DeviceLink.Events, DeviceLink> network, DeviceScheduler scheduler, boolean ownScheduler) {
    deviceId = config.deviceId();
    this.scheduler = scheduler;
    this.ownScheduler = ownScheduler;
    transport = new CountingLink(network.apply(new DeviceLink.Events() {
      @Override
      public void connected(Object connection) {
        queue(new Connected(connection));
      }

      @Override
      public void lost(Object connection, String why) {
        queue(new Lost(connection, why));
      }

      @Override
      public void message(String topic, byte[] payload) {
        queue(new Incoming(topic, payload));
      }
    }));
    BoardLimits limits = config.limits();
    AgentConfig agentConfig = new AgentConfig()
        .identity(Names.of(deviceId), Names.of(config.group()), Names.of(config.hostId()))
        .board(Names.of(limits.board().id()))
        .capacity(capacity)
        .memory((int) limits.board().sramBytes(), (int) limits.ramUsed(capacity), (int) limits.flashBudget(),
            (int) limits.layout(capacity).bytes())
        .maxBlockLog2(limits.maxBlockLog2())
        .wallClock(true)
        .telemetry(config.recordEvery(), config.checkpointEvery(), config.epochs())
        .newLifeId(newLifeId());
    if (config.credentials() != null) {
      agentConfig.keys(config.credentials().deviceKey(), config.credentials().hostPublicKey());
    }
    agent = new DeviceAgent(agentConfig, flash, transport, new DatasetSensor(config.data()), new SystemClock(),
        new DeviceLog(deviceId, config.brokerUrl()));
  }

  /**
   * Boots the board from its flash and starts driving it on a scheduler thread of its own; it
   * connects to the broker and keeps reconnecting until {@link #close}.
   *
   * @throws IOException if the flash files cannot be opened
   * @throws IllegalArgumentException if a name is invalid, or the board cannot hold even the
   *     smallest model
   */
  public static VirtualDevice start(Config config) throws IOException {
    DeviceScheduler scheduler = new DeviceScheduler(1, "device-" + config.deviceId());
    return start(config, scheduler, true, null, paho(config, scheduler));
  }

  /**
   * As {@link #start(Config)}, driven by {@code scheduler} (shared with other devices), and with
   * {@code factoryImage} (if not null) programmed into a new flash first, as the factory would.
   */
  public static VirtualDevice start(Config config, DeviceScheduler scheduler, byte[] factoryImage)
      throws IOException {
    return start(config, scheduler, false, factoryImage, paho(config, scheduler));
  }

  /** As {@link #start(Config)}, on the network {@code network} makes from the device's events. */
  static VirtualDevice start(Config config, Function<DeviceLink.Events, DeviceLink> network) throws IOException {
    return start(config, new DeviceScheduler(1, "device-" + config.deviceId()), true, null, network);
  }

  /** Paho as the network: TLS trusting the fleet CA and the device's login if it has credentials. */
  private static Function<DeviceLink.Events, DeviceLink> paho(Config config, DeviceScheduler scheduler)
      throws IOException {
    DeviceCredentials credentials = config.credentials();
    SSLSocketFactory trust = credentials == null ? null : BrokerTrust.socketFactory(credentials.caCertificate());
    return events -> new PahoTransport(config.brokerUrl(), config.deviceId(), scheduler.executor(), credentials,
        trust, events);
  }

  private static VirtualDevice start(Config config, DeviceScheduler scheduler, boolean ownScheduler,
      byte[] factoryImage, Function<DeviceLink.Events, DeviceLink> network) throws IOException {
    DataShard data = config.data();
    MemoryPlan capacity = capacity(config.limits(), data.train().inputSize(), classes(data));
    Path dir = config.stateDir() == null ? null : config.stateDir().resolve(config.deviceId());
    // A new flash has no slot file yet; its folder may exist already, holding the credentials a
    // secured device was enrolled with.
    boolean fresh = dir == null || !Files.exists(dir.resolve(FIRST_SLOT));
    DeviceFlash flash = openFlash(dir, config.limits(), capacity);
    if (fresh && factoryImage != null) {
      program(flash, config.deviceId(), factoryImage);
    }
    VirtualDevice device = new VirtualDevice(config, flash, capacity, network, scheduler, ownScheduler);
    device.agent.boot();
    device.wake();
    return device;
  }

  /** Installs an image as the factory would (no network), before {@link #start}. */
  public static void program(Path stateDir, String deviceId, BoardLimits limits, byte[] image) throws IOException {
    ModelImageDecoder header = new ModelImageDecoder().wrap(image, 0, image.length);
    MemoryPlan capacity = capacity(limits, header.inputSize(), header.classCount());
    program(openFlash(stateDir.resolve(deviceId), limits, capacity), deviceId, image);
  }

  private static void program(DeviceFlash flash, String deviceId, byte[] image) throws IOException {
    int status = Board.program(flash, image, 0, image.length, new DeviceLog(deviceId));
    if (status != 0) {
      throw new IOException("programming " + deviceId + " failed: " + RuntimeStatus.name(status));
    }
  }

  /**
   * The device's flash: an area per file in {@code dir}, or in memory if {@code dir} is null (slots
   * and checkpoint areas of the layout's size, two small state areas).
   */
  static DeviceFlash openFlash(Path dir, BoardLimits limits, MemoryPlan capacity) throws IOException {
    BoardLimits.Layout layout = limits.layout(capacity);
    int sector = (int) Math.min(layout.slotBytes(), limits.board().flashSectorBytes());
    int slot = layout.slotBytes();
    int state = BoardLimits.STATE_AREA_BYTES;
    return new DeviceFlash(
        area(dir, FIRST_SLOT, slot, sector),
        area(dir, "slot1.bin", slot, sector),
        area(dir, "checkpoint0.bin", slot, sector),
        layout.checkpoints() > 1 ? area(dir, "checkpoint1.bin", slot, sector) : null,
        area(dir, "state0.bin", state, state),
        area(dir, "state1.bin", state, state));
  }

  private static FlashRegion area(Path dir, String file, int size, int sectorBytes) throws IOException {
    return dir == null ? new ArrayFlash(size, sectorBytes) : FileFlash.open(dir.resolve(file), size, sectorBytes);
  }

  private static MemoryPlan capacity(BoardLimits limits, int inputSize, int classes) {
    MemoryPlan capacity = limits.capacity(inputSize, classes);
    if (capacity == null) {
      throw new IllegalArgumentException("board " + limits.board().id() + " cannot hold even a " + inputSize
          + "-16-" + BoardLimits.CAPACITY_OUTPUTS + " model");
    }
    return capacity;
  }

  /** Classes the shard's labels need (at least the format's minimum). */
  private static int classes(DataShard data) {
    int max = 0;
    for (int s = 0; s < data.train().count(); s++) {
      max = Math.max(max, data.train().label(s));
    }
    return Math.max(ModelImage.MIN_CLASSES, max + 1);
  }

  public String id() {
    return deviceId;
  }

  /** Dropped messages by status (read from another thread: a snapshot, not exact mid-run). */
  public int dropped(int status) {
    return agent.dropped(status);
  }

  public int droppedTotal() {
    return agent.droppedTotal();
  }

  /** Connected to the broker (as the device's task saw it last). */
  public boolean connected() {
    return connected;
  }

  /** The agent's training state ({@code BirthMessage.STOPPED}, ...), as its task saw it last. */
  public int trainingState() {
    return trainingState;
  }

  /** Completed passes over the shard with the running image, as the device's task saw it last. */
  public int epoch() {
    return epoch;
  }

  /** DATA records handed to the broker connection. */
  public long recordsSent() {
    return transport.records();
  }

  /** DATA records still on the device (unsent, or not yet released), as its task saw it last. */
  public int bufferedRecords() {
    return bufferedRecords;
  }

  /**
   * The most DATA records this device had in flight at once (sent, not yet released: PROTOCOL.md
   * section 9), since it started.
   */
  public int mostRecordsInFlight() {
    return mostRecordsInFlight;
  }

  /** Records of this boot dropped from the full buffer, as its task saw it last. */
  public int recordsDropped() {
    return recordsDropped;
  }

  /** The widest telemetry window (training steps per record) since the device started. */
  public int widestWindow() {
    return widestWindow;
  }

  /** QoS 1 messages the broker has not acknowledged yet. */
  public int inFlight() {
    return transport.inFlight();
  }

  /** Clean shutdown: checkpoint, DEATH (SHUTDOWN), disconnect; waits until the device has ended. */
  @Override
  public void close() {
    stop();
    awaitQuietly();
  }

  /** Asks for a clean shutdown and returns at once; {@link #awaitEnd} waits for it. */
  public void stop() {
    stopping = true;
    wake();
  }

  /**
   * Power loss: the device stops where it is, nothing is saved or published, the connection drops
   * without a DISCONNECT (so the broker publishes the DEATH will).
   */
  public void kill() {
    killed = true;
    close();
  }

  /**
   * Network loss (for tests): the connection drops without a DISCONNECT (the broker publishes the
   * DEATH will) and the device reconnects as after any lost connection.
   */
  public void dropConnection() {
    queue(new Drop());
  }

  /**
   * Waits until the device has ended (after {@link #close}, {@link #stop} or {@link #kill}, or
   * because it failed).
   *
   * @return what made it fail, or null if it was stopped
   */
  public Throwable awaitEnd() throws InterruptedException {
    finished.await();
    return failure;
  }

  /** Waits at most {@code timeout} for the device to end; false if it has not ended. */
  public boolean endsWithin(long timeout, TimeUnit unit) throws InterruptedException {
    return finished.await(timeout, unit);
  }

  /** True if the device ended because something failed (see {@link #awaitEnd()}). */
  public boolean failed() {
    return failure != null;
  }

  private void awaitQuietly() {
    try {
      if (!finished.await(30, TimeUnit.SECONDS)) {
        Logger.warn("{}: device did not stop", deviceId);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ the device's task

  private void queue(Event event) {
    events.add(event);
    wake();
  }

  /** Runs the device's task soon, unless it is running or already asked to run. */
  private void wake() {
    if (wakeups.getAndIncrement() == 0) {
      execute();
    }
  }

  private void execute() {
    try {
      scheduler.executor().execute(this::drive);
    } catch (RejectedExecutionException e) {
      // the scheduler was closed: the device is gone
    }
  }

  /**
   * One turn of the device: its queued events, then a piece of work. Ends by running again at once
   * while the agent has work or wake-ups came in meanwhile, otherwise with a timer for when the
   * agent is next due.
   */
  private void drive() {
    if (finished.getCount() == 0) {
      return;
    }
    int seen = wakeups.get();
    long idle = MAX_IDLE_MILLIS;
    try {
      for (Event event = events.poll(); event != null && !stopping; event = events.poll()) {
        handle(event);
      }
      if (!stopping) {
        long now = SystemClock.monotonicMillis();
        int work = agent.doWork(now);
        idle = work > 0 ? 0 : Math.min(MAX_IDLE_MILLIS, agent.idleMillis(now));
        connected = agent.connected();
        trainingState = agent.trainingState();
        epoch = agent.board().epoch();
        bufferedRecords = agent.bufferedRecords();
        // Records go in flight only in doWork: the largest count after it is the largest there was.
        mostRecordsInFlight = Math.max(mostRecordsInFlight, agent.recordsInFlight());
        recordsDropped = agent.recordsDropped();
        widestWindow = Math.max(widestWindow, agent.telemetryWindow());
      }
      if (stopping) {
        end(null);
        return;
      }
      if (idle > 0) {
        if (timer != null) {
          timer.cancel(false);
        }
        timer = scheduler.executor().schedule(this::wake, idle, TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException | Error e) {
      end(e);
      return;
    }
    // Run again behind the other devices' queued tasks if wake-ups came in meanwhile, or if the
    // agent has more work (then wake() takes the turn back unless a wake-up just did).
    if (wakeups.addAndGet(-seen) != 0) {
      execute();
    } else if (idle == 0) {
      wake();
    }
  }

  /** Shuts the agent down (or drops the connection after a kill or a failure), once. */
  private void end(Throwable cause) {
    try {
      if (timer != null) {
        timer.cancel(false);
      }
      if (cause != null) {
        failure = cause;
        Logger.error("{}: device failed: {}", deviceId, cause.toString());
        Logger.debug(cause, "{}: device failure", deviceId);
        transport.drop();
      } else if (killed) {
        transport.drop();
      } else {
        agent.shutdown();
      }
    } catch (RuntimeException e) {
      Logger.debug(e, "{}: shutdown", deviceId);
      transport.drop();
    } finally {
      connected = false;
      finished.countDown();
      if (ownScheduler) {
        scheduler.executor().shutdown();
      }
    }
  }

  private void handle(Event event) {
    if (event instanceof Incoming incoming) {
      byte[] topic = incoming.topic().getBytes(StandardCharsets.UTF_8);
      agent.onMessage(topic, topic.length, incoming.payload(), incoming.payload().length);
    } else if (event instanceof Connected c && transport.isCurrent(c.connection())) {
      agent.onConnected();
    } else if (event instanceof Lost lost && transport.isCurrent(lost.connection())) {
      Logger.debug("{}: connection lost: {}", deviceId, lost.why());
      transport.drop();
      agent.onConnectionLost();
    } else if (event instanceof Drop) {
      Logger.info("{}: dropping the connection", deviceId);
      transport.drop();
      agent.onConnectionLost();
    }
  }

  /** A random, non-zero life id (taken only if the device's state is created on this start). */
  private static long newLifeId() {
    long life = 0;
    while (life == 0) {
      life = LIFE_IDS.nextLong();
    }
    return life;
  }

  /** The JVM's clocks: wall-clock milliseconds for messages, a monotonic clock for timers. */
  private static final class SystemClock implements Clock {
    static long monotonicMillis() {
      return (System.nanoTime() - CLOCK_ORIGIN) / 1_000_000;
    }

    @Override
    public long millis() {
      return System.currentTimeMillis();
    }

    @Override
    public long micros() {
      return System.nanoTime() / 1_000;
    }
  }
}
