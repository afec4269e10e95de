package dev.spela.cli;

import dev.spela.boards.BoardProfile;
import dev.spela.boards.BoardProfileException;
import dev.spela.boards.device.DeviceCredentials;
import dev.spela.boards.firmware.AgentFirmware;
import dev.spela.boards.firmware.FirmwareBuilder;
import dev.spela.boards.firmware.FirmwareException;
import dev.spela.boards.firmware.FirmwareManifest;
import dev.spela.boards.firmware.FirmwareRun;
import dev.spela.boards.firmware.FirmwareRunner;
import dev.spela.boards.firmware.SensorData;
import dev.spela.data.Dataset;
import dev.spela.data.DatasetCatalogue;
import dev.spela.data.Split;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.fleet.security.ImageSigner;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.runtime.MemoryPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.NoSuchElementException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spela firmware build|run}: the device runtime as Cortex-M firmware on an emulated board. */
@Command(
    name = "firmware",
    mixinStandardHelpOptions = true,
    description = "Build the device runtime as firmware for a board and run it in QEMU.",
    subcommands = {FirmwareCommand.Build.class, FirmwareCommand.Run.class},
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela firmware build --board nrf52840 --image m.img -o fw",
      "  spela firmware run fw --json"
    })
public final class FirmwareCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "a subcommand is required (build or run)");
  }

  @Command(
      name = "build",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Build a board's firmware: the device runtime with a model and samples.",
        "The runtime's and protocols' bytecode and the firmware's program are",
        "compiled to C by TeaVM, then with the board-support C (boards/firmware) by",
        "arm-none-eabi-gcc for the board's core, and linked within the board's RAM",
        "and flash: the model image in flash, the first N training and M held-out",
        "samples of the dataset in the sensor. Needs the Debian packages",
        "gcc-arm-none-eabi and libnewlib-arm-none-eabi.",
        ""
      },
      footerHeading = "%nExamples:%n",
      footer = {
        "  spela compile --layers 784,32,34 -o m.img",
        "  spela firmware build --board nrf52840 --image m.img -o fw",
        "  spela firmware build --board stm32f746 --image m.img --samples 1000 -o fw",
        "  spela firmware build --board nrf52840 --image m.img --agent -o fw",
        "  spela firmware build --board nrf52840 --image m.img --signed -o fw",
        "  spela firmware build --board-file my-board.json --image m.img -o fw"
      })
  static final class Build implements Runnable {

    @Spec CommandSpec spec;

    @Option(names = "--board", paramLabel = "BOARD",
        description = "Board profile (spela boards).")
    String board;

    @Option(names = "--board-file", paramLabel = "PROFILE",
        description = "A board profile of one's own (boards/BOARDS.md, 'Profile format') instead"
            + " of --board.")
    Path boardFile;

    @Option(names = "--image", required = true, paramLabel = "MODEL",
        description = "Model image to put in flash (spela compile, spela train --save).")
    Path image;

    @Option(names = "--data", defaultValue = "mnist", paramLabel = "NAME",
        description = "Dataset standing in for the sensor (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "Read the dataset's IDX files from DIR instead of the cache.")
    Path dataDir;

    @Option(names = "--samples", defaultValue = "300", paramLabel = "N",
        description = "Train on the first N training samples, in order (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--held-out", defaultValue = "100", paramLabel = "M",
        description = "Evaluate on the first M test samples (default: ${DEFAULT-VALUE}).")
    int heldOut;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
        description = "Folder to build the firmware in (created).")
    Path output;

    @Option(names = "--agent",
        description = "Build the device agent in: the board is a fleet member over its UART"
            + " (spela firmware run DIR --broker URL), the image its factory image.")
    boolean agent;

    @Option(names = "--signed",
        description = "Sign the image with the fleet's host key (as spela flash does; a signed"
            + " image keeps its security counter): the firmware checks the signature before it"
            + " loads the model, and stops if it does not verify ('verify' in spela firmware run).")
    boolean signed;

    @Option(names = "--fleet", paramLabel = "DIR",
        description = "With --signed: the fleet folder whose host key signs the image"
            + " (default: ~/.spela/fleet, or $SPELA_FLEET).")
    Path fleet;

    @Override
    public void run() {
      BoardProfile profile = profile();
      byte[] bytes = ImageArguments.readValid(image);
      byte[] modelImage = ImageSigner.modelImage(bytes);
      MemoryPlan model = new MemoryPlan();
      model.setFromImage(new ArrayFlash(modelImage), 0, modelImage.length);
      if (samples < 1 || heldOut < 0) {
        throw CliException.usage("--samples must be at least 1 and --held-out not negative");
      }
      if (signed && agent) {
        throw CliException.usage("--signed is for the firmware that trains; the agent firmware"
            + " verifies the images it is sent");
      }
      Dataset dataset = DatasetOptions.load(DatasetCatalogue.standard(), data, dataDir);
      if (dataset.train().pixelsPerSample() != model.inputSize()) {
        throw CliException.usage(String.format(Locale.ROOT,
            "%s has %d inputs but %s samples have %d values", image, model.inputSize(),
            dataset.name(), dataset.train().pixelsPerSample()));
      }
      SensorData training = first(dataset.train(), samples, "--samples");
      SensorData held = first(dataset.test(), heldOut, "--held-out");
      PrintWriter err = spec.commandLine().getErr();
      err.printf("Building the firmware for %s (%s, %s on QEMU %s) in %s...%n", profile.id(),
          profile.core(), profile.firmware().gccCpu(), profile.firmware().qemuMachine(), output);
      err.flush();
      FirmwareManifest manifest;
      try {
        manifest = signed
            ? signedBuild(profile, bytes, training, held)
            : FirmwareBuilder.build(profile, modelImage, training, held, agent, output);
      } catch (FirmwareException e) {
        throw CliException.failure(e.getMessage(), e);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf(Locale.ROOT,
          "Built %s: %s for %s, %,d training and %,d held-out samples; Java heap %,d bytes%n",
          output.resolve("firmware.elf"), manifest.model(), manifest.board(),
          manifest.trainingSamples(), manifest.heldOutSamples(), manifest.layout().javaHeapBytes());
      out.flush();
    }

    private FirmwareManifest signedBuild(
        BoardProfile profile, byte[] bytes, SensorData training, SensorData held) {
      Path folder = fleet != null ? fleet : FleetSecurity.defaultFolder();
      try {
        FleetSecurity security = FleetSecurity.open(folder);
        byte[] signedImage =
            new ImageSigner(security.hostKey()).sign(bytes, ImageSigner.securityCounter(bytes));
        return FirmwareBuilder.buildSigned(
            profile, signedImage, security.hostPublicKey(), training, held, output);
      } catch (IOException e) {
        throw CliException.failure("cannot open the fleet folder " + folder + ": " + e.getMessage(), e);
      }
    }

    private BoardProfile profile() {
      if ((board == null) == (boardFile == null)) {
        throw CliException.usage("give one of --board and --board-file");
      }
      if (board != null) {
        return BoardsCommand.board(board);
      }
      try {
        return BoardProfile.read(boardFile);
      } catch (BoardProfileException e) {
        throw CliException.usage(e.getMessage());
      }
    }

    private static SensorData first(Split split, int count, String option) {
      if (count > split.count()) {
        throw CliException.usage(option + " " + count + " is more than the " + split.count()
            + " samples there are");
      }
      int size = split.pixelsPerSample();
      return new SensorData(Arrays.copyOf(split.pixels(), count * size),
          Arrays.copyOf(split.labels(), count), size);
    }
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Run a built firmware in QEMU and print what it measured.",
        "The firmware trains on its samples in order, evaluates every layer on the",
        "held-out ones, writes the trained image to flash (and to DIR/written.img)",
        "and reports instructions per step (QEMU -icount), peak RAM and flash used.",
        "A firmware built with --agent instead joins the fleet as device --id: its",
        "UART is bridged to --broker (TLS and the device's account from the fleet",
        "folder, as a modem would hold them; protocols/UART-BRIDGE.md) until Ctrl-C.",
        "Needs the Debian package qemu-system-arm.",
        ""
      },
      footerHeading = "%nExamples:%n",
      footer = {"  spela firmware run fw", "  spela firmware run fw --json",
        "  spela firmware run fw --id board-1 --broker ssl://127.0.0.1:8883"})
  static final class Run implements Runnable {

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "Folder of a firmware (spela firmware build).")
    Path dir;

    @Mixin BrokerOptions broker;

    @Option(names = "--id", defaultValue = "board-1", paramLabel = "ID",
        description = "Agent firmware: the device id (default: ${DEFAULT-VALUE}).")
    String id;

    @Option(names = "--group", defaultValue = "lab", paramLabel = "GROUP",
        description = "Agent firmware: the device group (default: ${DEFAULT-VALUE}).")
    String group;

    @Option(names = "--record-every", defaultValue = "100", paramLabel = "N",
        description = "Agent firmware: training samples per DATA record (default: ${DEFAULT-VALUE}).")
    int recordEvery;

    @Option(names = "--epochs", defaultValue = "0", paramLabel = "N",
        description = "Agent firmware: stop training after N passes over the samples (default: never).")
    int epochs;

    @Option(names = "--timeout", defaultValue = "3600", paramLabel = "SECONDS",
        description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    long timeout;

    @Option(names = "--json", description = "Print the results as one JSON object.")
    boolean json;

    @Override
    public void run() {
      if (FirmwareManifest.read(dir).agent()) {
        runAgent();
        return;
      }
      FirmwareRun result;
      try {
        result = FirmwareRunner.run(dir, timeout);
      } catch (FirmwareException e) {
        throw CliException.failure(e.getMessage(), e);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(Json.line(result));
      } else {
        print(out, result);
      }
      out.flush();
    }

    /** The agent firmware with its bridge, until Ctrl-C or until it ends. */
    private void runAgent() {
      PrintWriter err = spec.commandLine().getErr();
      broker.checkMode();
      DeviceCredentials account;
      try {
        account = broker.insecure() ? null
            : broker.fleet().deviceCredentials(id, group, dir.resolve("device").resolve(id));
      } catch (IOException e) {
        throw CliException.failure("cannot enrol " + id + ": " + e.getMessage(), e);
      } catch (IllegalArgumentException e) {
        throw CliException.usage(e.getMessage());
      }
      if (account == null) {
        BrokerOptions.warnInsecure(err, broker.url());
      }
      AgentFirmware.Settings settings =
          new AgentFirmware.Settings(id, group, broker.hostId(), recordEvery, 4, epochs);
      String end;
      try (CtrlC ctrlC = new CtrlC("firmware-shutdown", 15);
          AgentFirmware board = AgentFirmware.start(dir, broker.url(), account, settings, line -> {
            synchronized (err) {
              err.println(line);
              err.flush();
            }
          })) {
        spec.commandLine().getOut().printf("board %s (%s) on %s through its UART; Ctrl-C stops it%n", id,
            FirmwareManifest.read(dir).board(), broker.url());
        spec.commandLine().getOut().flush();
        Thread stopper = new Thread(() -> {
          try {
            ctrlC.await();
            board.close();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "firmware-ctrl-c");
        stopper.setDaemon(true);
        stopper.start();
        end = board.awaitEnd();
        AgentFirmware.Memory memory = board.memory();
        if (memory != null) {
          err.printf(Locale.ROOT, "peak RAM of the run: %,d bytes (Java heap %,d used of %,d, stack %,d)%n",
              memory.peak(), memory.javaHeapUsed(), memory.javaHeap(), memory.stack());
        }
      } catch (FirmwareException e) {
        throw CliException.failure(e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliException.failure("interrupted");
      }
      err.println(end);
      err.flush();
      if (end.startsWith(AgentFirmware.FAILED)) {
        throw CliException.failure(end);
      }
    }

    private static void print(PrintWriter out, FirmwareRun r) {
      out.printf(Locale.ROOT, "%s on %s (QEMU %s): %,d training samples, %,d held out%n",
          r.model(), r.board(), r.qemuMachine(), r.trainingSamples(), r.heldOutSamples());
      StringBuilder accuracy = new StringBuilder("held-out accuracy:");
      for (int k = 0; k < r.layerAccuracy().length; k++) {
        accuracy.append(String.format(Locale.ROOT, "  layer %d %.2f%%", k + 1,
            100 * r.layerAccuracy()[k]));
      }
      accuracy.append(String.format(Locale.ROOT, "  early exit %.2f%%",
          100 * r.earlyExitAccuracy()));
      out.println(accuracy);
      FirmwareRun.Instructions i = r.instructions();
      out.printf(Locale.ROOT,
          "instructions: training step %,d, prediction %,d, early exit %,d, load %,d,"
              + " write-back %,d%s%n", i.trainStep(), i.prediction(), i.earlyExit(), i.load(),
          i.writeBack(), i.verify() == 0 ? ""
              : String.format(Locale.ROOT, ", signature check %,d", i.verify()));
      FirmwareRun.Ram ram = r.ram();
      out.printf(Locale.ROOT,
          "RAM: peak %,d of %,d bytes (.data %,d, .bss %,d, heap %,d with a Java heap of %,d,"
              + " %,d used, stack %,d)%n", ram.peak(), ram.budget(), ram.data(), ram.bss(),
          ram.heap(), ram.javaHeap(), ram.javaHeapUsed(), ram.stack());
      out.printf(Locale.ROOT, "flash: %,d of %,d bytes%n", r.flash().used(), r.flash().budget());
      out.printf(Locale.ROOT, "trained image: %,d bytes, SHA-256 %s%n", r.writtenImageBytes(),
          r.writtenImageSha256());
    }
  }
}
