package dev.spela.boards.device;

import dev.spela.agent.AgentConfig;
import dev.spela.agent.Board;
import dev.spela.agent.Clock;
import dev.spela.agent.DeviceAgent;
import dev.spela.agent.DeviceFlash;
import dev.spela.boards.Names;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.runtime.MemoryPlan;
import dev.spela.runtime.RuntimeStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.tinylog.Logger;

/**
 * A virtual board on the network: the device's own agent ({@link DeviceAgent}, device code) with
 * thin adapters around it: Paho MQTT 3.1.1 as its transport, files as its flash, a data shard as its
 * sensor, the JVM's clocks, and one thread that drives it. Paho's callbacks only queue events for
 * that thread; between events the thread calls {@link DeviceAgent#doWork} and, when the agent is
 * idle, waits for the next event or timer.
 */
public final class VirtualDevice implements AutoCloseable {

  /**
   * How a device is set up.
   *
   * @param recordEvery training samples per DATA record
   * @param checkpointEvery DATA records per checkpoint
   * @param epochs passes over the shard after which the device stops training by itself (0: never)
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
      int epochs) {}

  /** Something for the device thread to do. */
  private sealed interface Event {}

  private record Incoming(String topic, byte[] payload) implements Event {}

  private record Connected(Object connection) implements Event {}

  private record Lost(Object connection, String why) implements Event {}

  private record Drop() implements Event {}

  private record Wake() implements Event {}

  private static final long MAX_IDLE_MILLIS = 1_000;
  private static final long CLOCK_ORIGIN = System.nanoTime();
  private static final SecureRandom LIFE_IDS = new SecureRandom();

  private final String deviceId;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final DeviceLink transport;
  private final DeviceAgent agent;
  private final Thread thread;
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean stopping;
  private volatile boolean killed;
  private volatile Throwable failure;

  private VirtualDevice(
      Config config, DeviceFlash flash, MemoryPlan capacity, Function<DeviceLink.Events, DeviceLink> network) {
    deviceId = config.deviceId();
    transport = network.apply(new DeviceLink.Events() {
      @Override
      public void connected(Object connection) {
        events.add(new Connected(connection));
      }

      @Override
      public void lost(Object connection, String why) {
        events.add(new Lost(connection, why));
      }

      @Override
      public void message(String topic, byte[] payload) {
        events.add(new Incoming(topic, payload));
      }
    });
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
    agent = new DeviceAgent(agentConfig, flash, transport, new DatasetSensor(config.data()), new SystemClock(),
        new DeviceLog(deviceId, config.brokerUrl()));
    thread = new Thread(this::run, "device-" + deviceId);
    thread.setDaemon(true);
  }

  /**
   * Boots the board from its flash ({@code stateDir/deviceId}) and starts the device thread, which
   * connects to the broker and keeps reconnecting until {@link #close}.
   *
   * @throws IOException if the flash files cannot be opened
   * @throws IllegalArgumentException if a name is invalid, or the board cannot hold even the
   *     smallest model
   */
  public static VirtualDevice start(Config config) throws IOException {
    return start(config, events -> new PahoTransport(config.brokerUrl(), config.deviceId(), events));
  }

  /** As {@link #start(Config)}, on the network {@code network} makes from the thread's events. */
  static VirtualDevice start(Config config, Function<DeviceLink.Events, DeviceLink> network) throws IOException {
    DataShard data = config.data();
    MemoryPlan capacity = capacity(config.limits(), data.train().inputSize(), classes(data));
    DeviceFlash flash = openFlash(config.stateDir().resolve(config.deviceId()), config.limits(), capacity);
    VirtualDevice device = new VirtualDevice(config, flash, capacity, network);
    device.agent.boot();
    device.thread.start();
    return device;
  }

  /** Installs an image as the factory would (no network), before {@link #start}. */
  public static void program(Path stateDir, String deviceId, BoardLimits limits, byte[] image) throws IOException {
    ModelImageDecoder header = new ModelImageDecoder().wrap(image, 0, image.length);
    MemoryPlan capacity = capacity(limits, header.inputSize(), header.classCount());
    DeviceFlash flash = openFlash(stateDir.resolve(deviceId), limits, capacity);
    int status = Board.program(flash, image, 0, image.length, new DeviceLog(deviceId));
    if (status != 0) {
      throw new IOException("programming " + deviceId + " failed: " + RuntimeStatus.name(status));
    }
  }

  /**
   * The device's flash: a file per area in {@code dir} (slots and checkpoint areas of the layout's
   * size, two small state areas).
   */
  static DeviceFlash openFlash(Path dir, BoardLimits limits, MemoryPlan capacity) throws IOException {
    BoardLimits.Layout layout = limits.layout(capacity);
    int sector = (int) Math.min(layout.slotBytes(), limits.board().flashSectorBytes());
    int slot = layout.slotBytes();
    int state = BoardLimits.STATE_AREA_BYTES;
    return new DeviceFlash(
        FileFlash.open(dir.resolve("slot0.bin"), slot, sector),
        FileFlash.open(dir.resolve("slot1.bin"), slot, sector),
        FileFlash.open(dir.resolve("checkpoint0.bin"), slot, sector),
        layout.checkpoints() > 1 ? FileFlash.open(dir.resolve("checkpoint1.bin"), slot, sector) : null,
        FileFlash.open(dir.resolve("state0.bin"), state, state),
        FileFlash.open(dir.resolve("state1.bin"), state, state));
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

  /** Clean shutdown: checkpoint, DEATH (SHUTDOWN), disconnect; the device thread ends. */
  @Override
  public void close() {
    stopping = true;
    events.add(new Wake());
    awaitQuietly();
  }

  /**
   * Power loss: the thread stops where it is, nothing is saved or published, the connection drops
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
    events.add(new Drop());
  }

  /**
   * Waits until the device thread ends (after {@link #close} or {@link #kill}, or because it
   * failed).
   *
   * @return what made it fail, or null if it was stopped
   */
  public Throwable awaitEnd() throws InterruptedException {
    finished.await();
    return failure;
  }

  private void awaitQuietly() {
    try {
      if (!finished.await(30, TimeUnit.SECONDS)) {
        Logger.warn("{}: device thread did not stop", deviceId);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ the device thread

  private void run() {
    try {
      while (!stopping) {
        long now = SystemClock.monotonicMillis();
        int work = agent.doWork(now);
        long idle = work > 0 ? 0 : Math.min(MAX_IDLE_MILLIS, agent.idleMillis(now));
        Event event = idle > 0 ? events.poll(idle, TimeUnit.MILLISECONDS) : events.poll();
        while (event != null && !stopping) {
          handle(event);
          event = events.poll();
        }
      }
      if (killed) {
        transport.drop();
      } else {
        agent.shutdown();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      transport.drop();
    } catch (RuntimeException | Error e) {
      failure = e;
      Logger.error("{}: device thread failed: {}", deviceId, e.toString());
      Logger.debug(e, "{}: device thread failure", deviceId);
      transport.drop();
    } finally {
      finished.countDown();
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
