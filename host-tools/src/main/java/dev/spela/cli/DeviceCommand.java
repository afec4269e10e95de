package dev.spela.cli;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.device.BoardLimits;
import dev.spela.boards.device.Claimant;
import dev.spela.boards.device.DataShard;
import dev.spela.boards.device.VirtualDevice;
import dev.spela.data.Dataset;
import dev.spela.data.DatasetCatalogue;
import dev.spela.fleet.FleetData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela device run}: one virtual board on the network, until Ctrl-C. */
@Command(
    name = "device",
    mixinStandardHelpOptions = true,
    description = "Run virtual devices: a board's runtime, flash and data on MQTT.",
    subcommands = {DeviceCommand.Run.class},
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela device run --board nrf52840 --id vd-1",
      "  spela device run --help"
    })
public final class DeviceCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (run)");
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = {
        "Run one virtual device until Ctrl-C.",
        "The SPELA runtime within the board's RAM, an emulated flash (two image",
        "slots and a checkpoint, kept in --state-dir/ID across restarts), a shard",
        "of a dataset as its sensor, and MQTT to the broker. It waits for the",
        "host, then trains, reports and takes images as the host commands.",
        "By default it trains for one pass over its shard (--epochs) and sends a",
        "telemetry record every " + Run.RECORD_EVERY + " samples (--record-every), a few a second",
        "on a desktop computer; it stays online for commands and images after."
      },
      footerHeading = "%nExamples:%n",
      footer = {
        "  spela broker &",
        "  spela device run --board nrf52840 --id vd-1",
        "  spela device run --board esp32 --id vd-2 --shard 1/4 --epochs 5",
        "  spela device run --board stm32h743 --claim lab-7 --claim-secret s3cret",
        "  spela device run --board nrf52840 --id vd-1 --epochs 0   (train until stopped)"
      })
  static final class Run implements Runnable {
    /** Samples per telemetry record by default: a few records a second at a host's speed. */
    static final String RECORD_EVERY = "2000";

    @Spec CommandSpec spec;

    @Mixin BrokerOptions broker;

    @Option(names = "--board", required = true, paramLabel = "BOARD", description = "Board profile (spela boards).")
    String board;

    static final class Identity {
      @Option(names = "--id", required = true, paramLabel = "ID", description = "Device id (1-32 of A-Z a-z 0-9 . _ -).")
      String id;

      @ArgGroup(exclusive = false)
      Claim claim;
    }

    static final class Claim {
      @Option(names = "--claim", required = true, paramLabel = "CLAIM_ID",
          description = "Instead of --id: ask the host (spela provision) for an identity with this claim id,"
              + " once; it is kept in --state-dir.")
      String claimId;

      @Option(names = "--claim-secret", required = true, paramLabel = "SECRET", description = "The batch's claim secret.")
      String secret;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Identity identity;

    @Option(names = "--group", defaultValue = "lab", paramLabel = "GROUP", description = "Device group (default: ${DEFAULT-VALUE}).")
    String group;

    @Option(names = "--data", defaultValue = "mnist", paramLabel = "NAME", description = "Dataset standing in for the sensor (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Read the dataset's IDX files from DIR instead of the cache.")
    Path dataDir;

    @Option(names = "--shard", defaultValue = "0/1", paramLabel = "I/N", description = "Shard I of N of the data (default: ${DEFAULT-VALUE}).")
    String shard;

    @Option(names = "--max-train", defaultValue = "60000", paramLabel = "N", description = "At most N training samples (default: ${DEFAULT-VALUE}).")
    int maxTrain;

    @Option(names = "--max-held-out", defaultValue = "1000", paramLabel = "N", description = "At most N held-out samples for evaluation (default: ${DEFAULT-VALUE}).")
    int maxHeldOut;

    @Option(names = "--state-dir", defaultValue = "devices", paramLabel = "DIR", description = "Where the emulated flash lives (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--record-every", defaultValue = RECORD_EVERY, paramLabel = "N",
        description = "Training samples per telemetry record (default: ${DEFAULT-VALUE}).")
    int recordEvery;

    @Option(names = "--epochs", defaultValue = "1", paramLabel = "E",
        description = "Stop training after E passes over the shard with the running image (counted across"
            + " restarts); 0 trains until the host stops it (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Override
    public void run() {
      int[] part = parseShard(shard);
      if (recordEvery < 1 || epochs < 0 || maxTrain < 1 || maxHeldOut < 0) {
        throw CliException.usage("--record-every and --max-train must be positive, --epochs and --max-held-out not negative");
      }
      BoardLimits limits;
      try {
        limits = new BoardLimits(BoardCatalogue.standard().byId(board));
      } catch (NoSuchElementException e) {
        throw CliException.usage(e.getMessage());
      }
      Dataset dataset = DatasetOptions.load(DatasetCatalogue.standard(), data, dataDir);
      String id = identity.id;
      if (identity.claim != null) {
        try {
          Claimant.Identity claimed = Claimant.claim(broker.url(), stateDir.resolve(identity.claim.claimId),
              identity.claim.claimId, board, identity.claim.secret.getBytes(StandardCharsets.UTF_8), 120_000);
          id = claimed.deviceId();
          group = claimed.group();
          spec.commandLine().getOut().printf("claim %s: provisioned as %s/%s%n", identity.claim.claimId, group, id);
        } catch (IOException e) {
          throw CliException.failure(e.getMessage(), e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw CliException.failure("interrupted");
        } catch (IllegalArgumentException e) {
          throw CliException.usage(e.getMessage());
        }
      }
      DataShard shardData = FleetData.shard(dataset, part[0], part[1], maxTrain, maxHeldOut);
      VirtualDevice device;
      try {
        device = VirtualDevice.start(new VirtualDevice.Config(id, group, broker.hostId(), broker.url(), stateDir,
            limits, shardData, recordEvery, 4, epochs));
      } catch (IOException e) {
        throw CliException.failure(e.getMessage(), e);
      } catch (IllegalArgumentException e) {
        throw CliException.usage(e.getMessage());
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        device.close();
        stopped.countDown();
      }, "device-shutdown"));
      final String deviceId = id;
      spec.commandLine().getOut().printf("device %s (%s, %s %d/%d: %,d training and %s) on %s%n",
          deviceId, board, dataset.name(), part[0], part[1], shardData.train().count(),
          Plural.of(shardData.heldOut().count(), "held-out sample"), broker.url());
      spec.commandLine().getOut().flush();
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        device.close();
      }
    }
  }

  static int[] parseShard(String text) {
    String[] parts = text.split("/", -1);
    try {
      if (parts.length == 2) {
        int i = Integer.parseInt(parts[0]);
        int n = Integer.parseInt(parts[1]);
        if (n >= 1 && i >= 0 && i < n) {
          return new int[] {i, n};
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw CliException.usage("--shard must be i/n with 0 <= i < n, got '" + text + "'");
  }
}
