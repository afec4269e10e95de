package dev.spela.cli;

import dev.spela.boards.BoardProfile;
import dev.spela.data.Dataset;
import dev.spela.data.DatasetCatalogue;
import dev.spela.data.DatasetException;
import dev.spela.data.KnownDataset;
import dev.spela.fleet.FleetData;
import dev.spela.fleet.FleetDemo;
import dev.spela.fleet.HostPretraining;
import dev.spela.fleet.RunFolder;
import dev.spela.fleet.security.FleetSecurity;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela demo}: a fleet of virtual boards learning MNIST on one machine. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Train a fleet of virtual boards on MNIST, end to end, on this machine.",
      "Pre-trains on the host, as a deployment would, a model for each board",
      "(the largest that fits it) with the devices' own integer arithmetic and",
      "the softmax loss over cosines, starts an MQTT broker and N virtual devices",
      "on different boards, flashes each its model, fine-tunes every device on",
      "its shard of MNIST with live progress, evaluates each on held-out samples",
      "and writes the run's report. With --pretrain-epochs 0 the devices learn",
      "from scratch with the paper's loss. Fetches MNIST first if it is not",
      "cached. Exit 1 if a device failed. Secured like a real fleet: TLS, an",
      "account per device, per-device topic rights, from a fleet folder of its own",
      "in the run folder (or --fleet); plain MQTT only with --insecure."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela demo",
      "  spela demo --devices 8 --epochs 2 --boards nrf52840,esp32",
      "  spela demo --http 8080   (and open the dashboard URL it prints)",
      "  spela demo --pretrain-epochs 0   (devices learn from scratch)",
      "  spela demo --broker ssl://127.0.0.1:8883   (the fleet of spela broker)",
      "  spela demo --insecure --broker tcp://127.0.0.1:1883 --run runs/demo-plain"
    })
public final class DemoCommand implements Runnable {

  /** A pre-trained model is adapted, not relearned: docs/results.md, section 4 ("the demo"). */
  private static final double FINE_TUNING_RATE = 0.001;

  @Spec CommandSpec spec;

  @Mixin VirtualFleetOptions fleet;

  @Option(names = "--devices", defaultValue = "4", paramLabel = "N", description = "Virtual devices (default: ${DEFAULT-VALUE}).")
  int devices;

  @Option(names = "--epochs", defaultValue = "1", paramLabel = "E", description = "Passes over each shard (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--held-out", defaultValue = "2500", paramLabel = "N",
      description = "Held-out samples per device for the final evaluation (default: ${DEFAULT-VALUE}).")
  int heldOut;

  @Option(names = "--pretrain-epochs", defaultValue = "5", paramLabel = "E",
      description = "Epochs the host pre-trains each model on MNIST's training split with the devices' arithmetic"
          + " before flashing it; the devices fine-tune it on their shards at --lr, by default "
          + FINE_TUNING_RATE + " (default: ${DEFAULT-VALUE}; 0: the devices start from an untrained model).")
  int pretrainEpochs;

  @Option(names = "--run", paramLabel = "DIR", description = "Run folder (default: runs/demo-DATE-TIME).")
  Path run;

  @Option(names = "--broker", paramLabel = "URL", converter = BrokerOptions.UrlConverter.class,
      description = "Use this MQTT broker instead of an embedded one.")
  String brokerUrl;

  @Option(names = "--fleet", paramLabel = "DIR",
      description = "Fleet folder (CA, accounts, keys) the demo uses (default: RUN/fleet, with --broker that of"
          + " spela broker: $SPELA_FLEET, else ~/.spela/fleet).")
  Path fleetFolder;

  @Option(names = "--insecure", description = "Plain MQTT without logins (prints a warning).")
  boolean insecure;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Read MNIST's IDX files from DIR instead of the cache.")
  Path dataDir;

  @Option(names = "--http", paramLabel = "ADDRESS", converter = HttpAddressConverter.class,
      description = "Serve the live dashboard at ADDRESS, [HOST:]PORT, while the demo runs (a port alone: on 127.0.0.1 only; port 0: any"
          + " free port); its URL is printed.")
  InetSocketAddress http;

  @Override
  public void run() {
    if (devices < 1 || devices > 64 || epochs < 1 || heldOut < 1 || pretrainEpochs < 0) {
      throw CliException.usage("--devices must be 1..64; --epochs and --held-out positive; --pretrain-epochs 0 or more");
    }
    List<BoardProfile> boards = fleet.boards();
    double deviceRate = pretrainEpochs > 0 ? fleet.learningRate(FINE_TUNING_RATE) : fleet.learningRate();
    Path runDir = run != null ? run
        : Path.of("runs", "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    if (Files.isDirectory(runDir) && !isEmpty(runDir)) {
      // Its devices' flash would start from the last run's models: a demo starts from scratch.
      throw CliException.usage("run folder " + runDir + " is not empty: choose a new one");
    }
    if (brokerUrl != null) {
      BrokerOptions.refusePlainUnlessInsecure(brokerUrl, insecure);
    }
    Dataset mnist = loadMnist();
    PrintWriter out = spec.commandLine().getOut();
    out.printf("demo: %s, %s on MNIST shards, run folder %s%n", Plural.of(devices, "virtual device"),
        Plural.of(epochs, "epoch"), runDir);
    out.flush();
    RunFolder folder = RunFolder.at(runDir);
    FleetSecurity security = null;
    if (insecure) {
      BrokerOptions.warnInsecure(spec.commandLine().getErr(), brokerUrl != null ? brokerUrl : "the demo's broker");
    } else {
      Path fleetDir = fleetFolder != null ? fleetFolder
          : brokerUrl != null ? FleetSecurity.defaultFolder() : runDir.resolve("fleet");
      try {
        security = FleetSecurity.open(fleetDir);
      } catch (IOException e) {
        throw CliException.failure("cannot open the fleet folder " + fleetDir + ": " + e.getMessage(), e);
      }
    }
    FleetDemo.Result result;
    try {
      result = FleetDemo.run(new FleetDemo.Settings(devices, epochs, boards, mnist, runDir, brokerUrl, fleet.maxTrain, heldOut,
          fleet.recordEvery, deviceRate, new HostPretraining(pretrainEpochs, HostPretraining.HOST_RATE, 1), line -> {
            out.println(line);
            out.flush();
          }, System.console() != null ? System.err : null, http, url -> {
            out.println("dashboard: " + url);
            out.flush();
          }, security));
    } catch (IOException e) {
      if (!Files.exists(runDir.resolve("devices"))) {
        folder.discard(); // it failed before any device started (no broker, say): leave nothing behind
      }
      throw CliException.failure("demo failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failure("interrupted");
    }
    out.println();
    for (FleetDemo.Outcome outcome : result.outcomes()) {
      out.println(FleetDemo.describe(outcome));
    }
    out.printf(Locale.ROOT, "flashed %,d bytes to %s at once in %.1f s (%,.0f bytes/s)%n", result.imageBytes(),
        Plural.of(devices, "device"), result.flashSeconds(), result.imageBytes() / Math.max(1e-9, result.flashSeconds()));
    out.printf(Locale.ROOT, "%s stored, %s ignored, %s; %.0f s in all%n",
        Plural.of(result.recordsStored(), "telemetry record"), Plural.of(result.duplicates(), "duplicate"),
        result.missingRecords() == 0 ? "every record present exactly once"
            : Plural.of(result.missingRecords(), "record") + " missing",
        result.seconds());
    out.println("report: " + result.report());
    out.flush();
    long failed = result.outcomes().stream().filter(o -> !o.ok()).count();
    if (failed > 0) {
      throw CliException.failure(failed + " of " + Plural.of(devices, "device") + " failed");
    }
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw CliException.cannotRead(dir, e);
    }
  }

  private Dataset loadMnist() {
    if (dataDir != null) {
      return DatasetOptions.load(DatasetCatalogue.standard(), "mnist", dataDir);
    }
    try {
      return FleetData.loadOrFetch(DatasetCatalogue.standard(), KnownDataset.MNIST);
    } catch (DatasetException e) {
      throw CliException.failure(e.getMessage(), e);
    }
  }
}
