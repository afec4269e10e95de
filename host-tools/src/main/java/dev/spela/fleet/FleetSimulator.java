package dev.spela.fleet;

import dev.spela.boards.BoardProfile;
import dev.spela.boards.device.BoardLimits;
import dev.spela.boards.device.DataShard;
import dev.spela.boards.device.DeviceCredentials;
import dev.spela.boards.device.DeviceScheduler;
import dev.spela.boards.device.VirtualDevice;
import dev.spela.data.Dataset;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.protocols.fleet.AckMessage;
import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.runtime.MemoryPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Many virtual devices in this JVM, for load tests and for users without hardware: each has its
 * own agent and runtime, emulated flash (a folder each, or memory), MQTT connection and a data
 * shard that is a view of one dataset shared read-only; a {@link DeviceScheduler} of a few threads
 * drives them all. Every device is programmed at the factory with an untrained model that fits its
 * board (one image per model shape), and waits for the host as a real one does.
 */
public final class FleetSimulator implements AutoCloseable {

  public static final String GROUP = "sim";

  /**
   * How the fleet is made.
   *
   * @param layers the model of every device, or null for the largest of {@link FleetDemo#SHAPES}
   *     that fits each board
   * @param stateDir where each device's flash is kept ({@code stateDir/ID}), or null for memory
   * @param threads scheduler threads driving the devices' agents
   * @param fleet the fleet folder the devices are enrolled in (TLS, an account each), or null for
   *     plain MQTT without logins ({@code --insecure})
   */
  public record Settings(
      int devices,
      List<BoardProfile> boards,
      int[] layers,
      Dataset dataset,
      String brokerUrl,
      String hostId,
      String idPrefix,
      Path stateDir,
      int maxTrain,
      int maxHeldOut,
      int recordEvery,
      int epochs,
      int threads,
      double learningRate,
      FleetSecurity fleet) {}

  /**
   * A simulated device's credentials from the fleet folder: kept in its state folder, or with the
   * flash in memory, enrolled anew for this run.
   */
  private static DeviceCredentials credentials(Settings settings, String id) throws IOException {
    return settings.stateDir() != null
        ? settings.fleet().deviceCredentials(id, GROUP, settings.stateDir().resolve(id))
        : settings.fleet().enrolDevice(id, GROUP);
  }

  /**
   * The fleet at a glance, from the devices' own counters (not the host's view); {@code
   * mostRecordsInFlight}: the most DATA records one device had in flight at once (PROTOCOL.md
   * section 9: what the broker may hold of its records for a collector), {@code recordsDropped}:
   * records the devices' full buffers dropped in their current boots.
   */
  public record Progress(int devices, int connected, int training, int finished, int failed, long recordsSent,
      long inFlight, int mostRecordsInFlight, long recordsDropped) {}

  private final Settings settings;
  private final DeviceScheduler scheduler;
  private final List<VirtualDevice> devices = new ArrayList<>();
  /** Threads that wait for devices to come online and start them. */
  private final ExecutorService starters = Executors.newFixedThreadPool(8, task -> {
    Thread thread = new Thread(task, "simulator-start");
    thread.setDaemon(true);
    return thread;
  });

  private FleetSimulator(Settings settings) {
    this.settings = settings;
    this.scheduler = new DeviceScheduler(settings.threads(), "simulator");
  }

  /**
   * Programs and starts every device; they connect at once and wait for the host.
   *
   * @throws IllegalArgumentException if a model does not fit a board, or a name is invalid
   * @throws IOException if a device's flash cannot be opened
   */
  public static FleetSimulator start(Settings settings) throws IOException {
    int classes = settings.dataset().numClasses();
    List<BoardProfile> boards = settings.boards();
    Map<String, byte[]> images = new HashMap<>(); // one image per model shape, shared by its devices
    byte[][] imageOfBoard = new byte[boards.size()][];
    for (int b = 0; b < boards.size(); b++) {
      int[] shape = settings.layers() != null ? settings.layers() : FleetDemo.modelFor(boards.get(b), classes);
      String refusal = shape == null ? "no model of " + Arrays.deepToString(FleetDemo.SHAPES) + " fits"
          : refusal(boards.get(b), shape, settings.dataset().train().pixelsPerSample(), classes);
      if (refusal != null) {
        throw new IllegalArgumentException("board " + boards.get(b).id() + ": " + refusal);
      }
      imageOfBoard[b] = images.computeIfAbsent(FleetDemo.shapeName(shape),
          name -> FleetDemo.untrainedImage(shape, classes, settings.learningRate(), 1));
    }
    FleetSimulator simulator = new FleetSimulator(settings);
    try {
      int n = settings.devices();
      for (int i = 0; i < n; i++) {
        int b = i % boards.size();
        DataShard shard = FleetData.shard(settings.dataset(), i, n, settings.maxTrain(), settings.maxHeldOut());
        VirtualDevice.Config config = new VirtualDevice.Config(id(settings.idPrefix(), i, n), GROUP,
            settings.hostId(), settings.brokerUrl(), settings.stateDir(), new BoardLimits(boards.get(b)), shard,
            settings.recordEvery(), 4, settings.epochs());
        if (settings.fleet() != null) {
          config = config.secured(credentials(settings, config.deviceId()));
        }
        simulator.devices.add(VirtualDevice.start(config, simulator.scheduler, imageOfBoard[b]));
      }
    } catch (IOException | RuntimeException e) {
      simulator.close();
      throw e;
    }
    return simulator;
  }

  /** Why {@code board} cannot run {@code shape}, or null if it can. */
  private static String refusal(BoardProfile board, int[] shape, int inputSize, int classes) {
    String model = "model " + FleetDemo.shapeName(shape);
    if (shape[0] != inputSize) {
      return model + " takes " + shape[0] + " inputs, the dataset's samples have " + inputSize;
    }
    MemoryPlan plan = new MemoryPlan();
    int[] outputs = Arrays.copyOfRange(shape, 1, shape.length);
    if (shape.length < 2 || plan.setShape(shape[0], classes, outputs, outputs.length, 0) != ImageStatus.OK) {
      return model + " is not a valid shape for " + classes + " classes";
    }
    String refusal = new BoardLimits(board).refusal(plan);
    return refusal == null ? null : model + ": " + refusal;
  }

  /** Device {@code i} of {@code n}: PREFIX-0001 (as many digits as the largest needs, at least 2). */
  public static String id(String prefix, int i, int n) {
    int digits = Math.max(2, Integer.toString(n).length());
    return String.format(Locale.ROOT, "%s-%0" + digits + "d", prefix, i + 1);
  }

  public List<String> ids() {
    return devices.stream().map(VirtualDevice::id).toList();
  }

  public Settings settings() {
    return settings;
  }

  public Progress progress() {
    int connected = 0;
    int training = 0;
    int finished = 0;
    int failed = 0;
    long sent = 0;
    long inFlight = 0;
    int mostRecordsInFlight = 0;
    long recordsDropped = 0;
    for (VirtualDevice device : devices) {
      connected += device.connected() ? 1 : 0;
      training += device.trainingState() == BirthMessage.TRAINING ? 1 : 0;
      finished += done(device) ? 1 : 0;
      failed += device.failed() ? 1 : 0;
      sent += device.recordsSent();
      inFlight += device.inFlight();
      mostRecordsInFlight = Math.max(mostRecordsInFlight, device.mostRecordsInFlight());
      recordsDropped += device.recordsDropped();
    }
    return new Progress(devices.size(), connected, training, finished, failed, sent, inFlight, mostRecordsInFlight,
        recordsDropped);
  }

  /**
   * True once every device has trained its epochs and the broker acknowledged every record it
   * took (none waits in its buffer, say for a broker that restarts), or failed (never with epochs
   * 0: the devices train until stopped).
   */
  public boolean finished() {
    return settings.epochs() > 0 && devices.stream()
        .allMatch(d -> d.failed() || done(d) && d.bufferedRecords() == 0 && d.inFlight() == 0);
  }

  private boolean done(VirtualDevice device) {
    return settings.epochs() > 0 && device.epoch() >= settings.epochs()
        && device.trainingState() == BirthMessage.STOPPED;
  }

  /**
   * Starts training on every device once the host sees it online (a device already training, or
   * done, is left as it is), a few devices at a time, in the background; waits as long as it takes
   * for a device to come online (the host it waits for may start later), until {@link #close}.
   *
   * @return completes with the devices that refused or did not answer, and why
   */
  public CompletableFuture<List<String>> startTraining(FleetHost host, Duration answer) {
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (String id : ids()) {
      results.add(CompletableFuture.supplyAsync(() -> start(host, id, answer), starters));
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenApply(all -> results.stream().map(CompletableFuture::join).filter(Objects::nonNull).toList());
  }

  private static String start(FleetHost host, String id, Duration answer) {
    try {
      if (host.awaitDevice(id, DeviceView::online, Duration.ofDays(365)).isEmpty()) {
        return id + ": never came online";
      }
      FleetHost.Ack ack = host.command(id, CommandMessage.START, 0, answer);
      return ack.ok() || ack.status() == AckMessage.WRONG_STATE ? null : id + ": start refused: " + ack.statusName();
    } catch (IOException e) {
      return id + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return id + ": not started (stopped first)";
    }
  }

  /**
   * Stops every device cleanly (checkpoint, DEATH SHUTDOWN, disconnect), all at once, then the
   * scheduler.
   */
  @Override
  public void close() {
    starters.shutdownNow();
    for (VirtualDevice device : devices) {
      device.stop();
    }
    try {
      for (VirtualDevice device : devices) {
        device.endsWithin(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      scheduler.close();
    }
  }
}
