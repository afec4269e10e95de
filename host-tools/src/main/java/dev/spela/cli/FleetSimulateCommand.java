package dev.spela.cli;

import dev.spela.boards.BoardProfile;
import dev.spela.data.Dataset;
import dev.spela.data.DatasetCatalogue;
import dev.spela.fleet.DeviceView;
import dev.spela.fleet.FleetHost;
import dev.spela.fleet.FleetSimulator;
import dev.spela.fleet.HostFootprint;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela fleet simulate}: many virtual devices in one process. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Run N virtual devices in this process, for load tests and without hardware.",
      "Each device has its own runtime, flash, MQTT connection and shard of the",
      "data (one copy of the dataset, shared); a few scheduler threads drive them",
      "all. Each is programmed with an untrained model that fits its board, waits",
      "for the host (start spela monitor first: it stores the telemetry), and is",
      "told to start training. Prints progress, then a summary of the records sent",
      "and of the memory and threads the devices took. Ends when every device has",
      "trained its epochs and the broker has every record, or at Ctrl-C (devices",
      "checkpoint and say goodbye). Exit 1 if a device failed or refused to start.",
      "Devices log in over TLS, each enrolled in the fleet folder on its first run",
      "(a Mosquitto then needs spela mosquitto-config and SIGHUP, and this",
      "command's host connection its hosts' listener: --host-broker). Plain MQTT",
      "without logins only with --insecure."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela monitor --run runs/load &",
      "  spela fleet simulate --devices 64",
      "  spela fleet simulate --devices 256 --layers 784,32,16 --record-every 20",
      "  spela fleet simulate --devices 16 --boards nrf52840,esp32 --epochs 0",
      "      --duration 600   (train for ten minutes)",
      "  spela fleet simulate --devices 8 --memory-flash --max-train 200"
    })
final class FleetSimulateCommand implements Runnable {

  private static final long PROGRESS_SECONDS = 5;
  /** How often the end of the epochs is checked for. */
  private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  @Spec CommandSpec spec;

  @Mixin BrokerOptions broker;

  @Mixin VirtualFleetOptions fleet;

  @Option(names = "--devices", defaultValue = "16", paramLabel = "N", description = "Virtual devices (default: ${DEFAULT-VALUE}).")
  int devices;

  @Option(names = "--layers", split = ",", paramLabel = "SIZES", hideParamSyntax = true,
      description = "Every device's model, e.g. 784,32,16 (default: the largest of 784-128-34, 784-64-34 and"
          + " 784-32-16 that fits each board).")
  int[] layers;

  @Option(names = "--data", defaultValue = "mnist", paramLabel = "NAME", description = "Dataset standing in for the sensors (default: ${DEFAULT-VALUE}).")
  String data;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Read the dataset's IDX files from DIR instead of the cache.")
  Path dataDir;

  @Option(names = "--epochs", defaultValue = "1", paramLabel = "E",
      description = "Passes over each device's shard; 0 trains until Ctrl-C or --duration (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--max-held-out", defaultValue = "100", paramLabel = "N",
      description = "Held-out samples per device for evaluation (default: ${DEFAULT-VALUE}).")
  int maxHeldOut;

  @Option(names = "--state-dir", defaultValue = "simulated", paramLabel = "DIR",
      description = "Where each device's flash is kept, DIR/ID, across runs: a device that has trained its"
          + " epochs there trains no more (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--memory-flash", description = "Keep each device's flash in memory instead (lost at exit).")
  boolean memoryFlash;

  @Option(names = "--id-prefix", defaultValue = "sim", paramLabel = "PREFIX",
      description = "Device ids are PREFIX-01, PREFIX-02, ... (default: ${DEFAULT-VALUE}).")
  String idPrefix;

  @Option(names = "--host-broker", paramLabel = "URL", converter = BrokerOptions.UrlConverter.class,
      description = "Where this command's own host connection goes, which starts the devices (default: --broker):"
          + " Mosquitto as spela mosquitto-config sets it up serves hosts on a listener of their own.")
  String hostBroker;

  @Option(names = "--threads", paramLabel = "T",
      description = "Scheduler threads driving the devices (default: one per processor).")
  Integer threads;

  @Option(names = "--duration", defaultValue = "0", paramLabel = "S",
      description = "Stop after S seconds (default: 0, when the epochs are done or at Ctrl-C).")
  int durationSeconds;

  @Override
  public void run() {
    int schedulerThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    if (devices < 1 || epochs < 0 || maxHeldOut < 0 || schedulerThreads < 1 || durationSeconds < 0) {
      throw CliException.usage("--devices and --threads must be positive; --epochs, --max-held-out and --duration"
          + " not negative");
    }
    List<BoardProfile> boards = fleet.boards();
    Dataset dataset = DatasetOptions.load(DatasetCatalogue.standard(), data, dataDir);
    FleetSimulator.Settings settings = new FleetSimulator.Settings(devices, boards, layers, dataset, broker.url(),
        broker.hostId(), idPrefix, memoryFlash ? null : stateDir, fleet.maxTrain, maxHeldOut, fleet.recordEvery, epochs,
        schedulerThreads, fleet.learningRate(), broker.insecure() ? null : broker.fleet());
    PrintWriter out = spec.commandLine().getOut();
    // The host connection first: it sees every device's first BIRTH.
    try (FleetHost host = broker.open(hostBroker != null ? hostBroker : broker.url(), FleetHost.Options.secondary())) {
      HostFootprint before = HostFootprint.measure(); // the dataset and the host connection, no device yet
      FleetSimulator simulator = start(settings);
      CtrlC ctrlC = new CtrlC("simulate-shutdown", 60);
      long start = System.nanoTime();
      List<String> refused;
      try {
        String footprint;
        try {
          out.printf("simulating %s on %s (%s), waiting for host %s; flash %s; %s%n",
              Plural.of(devices, "device"), broker.url(),
              boards.stream().map(BoardProfile::id).collect(Collectors.joining(", ")), broker.hostId(),
              memoryFlash ? "in memory" : "in " + stateDir, Plural.of(schedulerThreads, "scheduler thread"));
          out.flush();
          refused = simulate(out, host, simulator, ctrlC, start);
          footprint = HostFootprint.measure().describe(before, devices); // with the devices still running
        } finally {
          simulator.close(); // every device checkpoints, says DEATH (SHUTDOWN) and disconnects
        }
        // Counted once the devices have stopped: until then they go on training and publishing (the
        // summary read before close missed up to 157 publishes that a third party received).
        printSummary(out, simulator.progress(), (System.nanoTime() - start) / 1e9);
        out.println("host: " + footprint);
        out.flush();
      } finally {
        ctrlC.close(); // after the summary: on Ctrl-C the JVM exits as soon as this returns
      }
      int failed = simulator.progress().failed();
      if (failed > 0 || !refused.isEmpty()) {
        throw CliException.failure(Plural.of(failed, "device") + " failed, " + refused.size()
            + " did not start training");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failure("interrupted");
    }
  }

  private static FleetSimulator start(FleetSimulator.Settings settings) {
    try {
      return FleetSimulator.start(settings);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    } catch (IOException e) {
      throw CliException.failure(e.getMessage(), e);
    }
  }

  /**
   * Starts training and prints progress until the epochs are done, --duration or Ctrl-C; returns
   * the devices that refused to start (or did not answer).
   */
  private List<String> simulate(PrintWriter out, FleetHost host, FleetSimulator simulator, CtrlC ctrlC, long start)
      throws InterruptedException {
    long deadline = durationSeconds > 0 ? start + TimeUnit.SECONDS.toNanos(durationSeconds) : Long.MAX_VALUE;
    CompletableFuture<List<String>> started = simulator.startTraining(host, Duration.ofSeconds(60));
    long lastSent = 0;
    long lastTick = start;
    long tick = TimeUnit.SECONDS.toNanos(PROGRESS_SECONDS);
    while (!simulator.finished() && System.nanoTime() < deadline) {
      long wait = Math.min(CHECK_NANOS, deadline - System.nanoTime());
      if (ctrlC.await(Math.max(1, wait), TimeUnit.NANOSECONDS)) {
        break;
      }
      long now = System.nanoTime();
      if (now - lastTick >= tick) {
        FleetSimulator.Progress p = simulator.progress();
        printProgress(out, host, simulator, p, now - start, (p.recordsSent() - lastSent) / ((now - lastTick) / 1e9));
        lastSent = p.recordsSent();
        lastTick = now;
      }
    }
    List<String> refused = started.getNow(List.of()); // not all answered yet: stopped early
    refused.forEach(line -> out.println("not started: " + line));
    return refused;
  }

  /** The devices' totals (publishes of DATA, re-sends included) over {@code seconds}. */
  private static void printSummary(PrintWriter out, FleetSimulator.Progress p, double seconds) {
    out.printf(Locale.ROOT, "%s sent in %.1f s (%,.0f records/s) by %s; %s done, %d in flight, %d failed;"
            + " at most %d records in flight on a device, %d dropped from full buffers%n",
        Plural.of(p.recordsSent(), "record"), seconds, p.recordsSent() / Math.max(1e-9, seconds),
        Plural.of(p.devices(), "device"), Plural.of(p.finished(), "device"), p.inFlight(), p.failed(),
        p.mostRecordsInFlight(), p.recordsDropped());
  }

  private void printProgress(PrintWriter out, FleetHost host, FleetSimulator simulator, FleetSimulator.Progress p,
      long elapsedNanos, double recordsPerSecond) {
    int online = (int) simulator.ids().stream()
        .filter(id -> host.device(id).filter(DeviceView::online).isPresent()).count();
    out.printf(Locale.ROOT, "[%4d s] %d/%d connected, %d online, %d training, %d done; %,d records sent (%,.0f/s)%s%n",
        TimeUnit.NANOSECONDS.toSeconds(elapsedNanos), p.connected(), p.devices(), online, p.training(),
        p.finished(), p.recordsSent(), recordsPerSecond,
        online == 0 && p.connected() > 0 ? " (is the host " + broker.hostId() + " running? start spela monitor)" : "");
    out.flush();
  }
}
