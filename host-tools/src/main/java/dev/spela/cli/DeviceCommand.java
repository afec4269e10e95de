package dev.spela.cli;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.device.BoardLimits;
import dev.spela.boards.device.Claimant;
import dev.spela.boards.device.DataShard;
import dev.spela.boards.device.DeviceCredentials;
import dev.spela.boards.device.SecureClaimant;
import dev.spela.boards.device.VirtualDevice;
import dev.spela.data.Dataset;
import dev.spela.data.DatasetCatalogue;
import dev.spela.fleet.FleetData;
import dev.spela.fleet.security.FleetAuthority;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NoSuchElementException;
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
        "on a desktop computer; it stays online for commands and images after.",
        "It logs in over TLS: with --id it enrols itself in the fleet folder (this",
        "machine owns the fleet; a Mosquitto then needs spela mosquitto-config and",
        "SIGHUP), with --claim it claims its credentials from spela provision. Plain",
        "MQTT without a login only with --insecure."
      },
      footerHeading = "%nExamples:%n",
      footer = {
        "  spela broker &",
        "  spela device run --board nrf52840 --id vd-1",
        "  spela device run --board esp32 --id vd-2 --shard 1/4 --epochs 5",
        "  spela device run --board stm32h743 --claim lab-7 --claim-secret-file b7.secret",
        "  spela device run --board nrf52840 --id vd-1 --epochs 0   (train until stopped)"
      })
  static final class Run implements Runnable {
    /** Samples per telemetry record by default: a few records a second at a host's speed. */
    static final String RECORD_EVERY = "2000";
    static final long CLAIM_TIMEOUT_MS = 120_000;

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
              + " once; its credentials are kept in --state-dir/CLAIM_ID.")
      String claimId;

      @Option(names = "--claim-secret-file", paramLabel = "FILE",
          description = "File holding the batch's claim secret (else $" + ClaimSecret.ENVIRONMENT + ").")
      Path secretFile;

      @Option(names = "--ca", paramLabel = "FILE",
          description = "The fleet CA certificate the device trusts (default: ca.crt in the fleet folder).")
      Path ca;
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
      broker.checkMode();
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
      DeviceCredentials credentials;
      String id;
      try {
        credentials = credentials();
        id = credentials != null ? credentials.deviceId()
            : identity.claim != null ? claimInsecurely() : identity.id;
      } catch (IOException e) {
        throw CliException.failure(e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliException.failure("interrupted");
      } catch (IllegalArgumentException e) {
        throw CliException.usage(e.getMessage());
      }
      DataShard shardData = FleetData.shard(dataset, part[0], part[1], maxTrain, maxHeldOut);
      VirtualDevice device;
      try {
        VirtualDevice.Config config = new VirtualDevice.Config(id, group, broker.hostId(), broker.url(), stateDir,
            limits, shardData, recordEvery, 4, epochs);
        device = VirtualDevice.start(credentials != null ? config.secured(credentials) : config);
      } catch (IOException e) {
        throw CliException.failure(e.getMessage(), e);
      } catch (IllegalArgumentException e) {
        throw CliException.usage(e.getMessage());
      }
      Runtime.getRuntime().addShutdownHook(new Thread(device::close, "device-shutdown"));
      spec.commandLine().getOut().printf("device %s (%s, %s %d/%d: %,d training and %s) on %s%n",
          id, board, dataset.name(), part[0], part[1], shardData.train().count(),
          Plural.of(shardData.heldOut().count(), "held-out sample"), broker.url());
      spec.commandLine().getOut().flush();
      Throwable failure;
      try {
        failure = device.awaitEnd();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        device.close();
        return;
      }
      if (failure != null) {
        throw CliException.failure("device " + id + " stopped: " + failure.getMessage(), failure);
      }
    }

    /**
     * The device's credentials: with --id, those it keeps in its state folder while the fleet still
     * admits them, else a new enrolment in the fleet folder (the owner's machine); with --claim, those
     * it claimed once (PROTOCOL.md 15.2). Null with --insecure.
     */
    private DeviceCredentials credentials() throws IOException, InterruptedException {
      if (broker.insecure()) {
        BrokerOptions.warnInsecure(spec.commandLine().getErr(), broker.url());
        return null;
      }
      if (identity.claim == null) {
        return broker.fleet().deviceCredentials(identity.id, group, stateDir.resolve(identity.id));
      }
      Claim claim = identity.claim;
      Path dir = stateDir.resolve(claim.claimId);
      DeviceCredentials stored = DeviceCredentials.load(dir);
      if (stored != null) {
        return stored;
      }
      byte[] unitKey = SecureClaimant.unitKey(ClaimSecret.read(claim.secretFile), claim.claimId);
      Path ca = claim.ca != null ? claim.ca : broker.fleetFolder().resolve(FleetAuthority.CA_CERTIFICATE);
      if (!Files.isRegularFile(ca)) {
        throw CliException.usage("no fleet CA certificate at " + ca + ": give the one the fleet uses with --ca FILE");
      }
      DeviceCredentials claimed = SecureClaimant.claim(broker.url(), dir, ca, claim.claimId, board, unitKey,
          CLAIM_TIMEOUT_MS);
      spec.commandLine().getOut().printf("claim %s: provisioned as %s/%s%n", claim.claimId, claimed.group(),
          claimed.deviceId());
      return claimed;
    }

    /** Section 11's plain claim (--insecure): the identity only, sent in clear. */
    private String claimInsecurely() throws IOException, InterruptedException {
      Claim claim = identity.claim;
      Claimant.Identity claimed = Claimant.claim(broker.url(), stateDir.resolve(claim.claimId), claim.claimId,
          board, ClaimSecret.read(claim.secretFile), CLAIM_TIMEOUT_MS);
      group = claimed.group();
      spec.commandLine().getOut().printf("claim %s: provisioned as %s/%s%n", claim.claimId, group,
          claimed.deviceId());
      return claimed.deviceId();
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
