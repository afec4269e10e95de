package dev.spela.cli;

import dev.spela.agent.AgentConfig;
import dev.spela.boards.BoardPlan;
import dev.spela.boards.BoardProfile;
import dev.spela.boards.LargestModel;
import dev.spela.firmware.FirmwareMemory;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.runtime.MemoryPlan;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela plan}: the memory and time training one model takes on one board. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Show the RAM, flash and time that training a model takes on a board.",
      "RAM: weights, biases, priors, activation and scratch buffers, the runtime's",
      "fixed arrays, buffers, what the VM running it adds for the target (object",
      "headers, heap bookkeeping, class structures, the stack) and the system's",
      "share, against the board's SRAM. Flash: firmware, two image slots and a",
      "checkpoint, against its flash. Then whether it fits and by how many bytes",
      "not, what backpropagation would need instead, and the time of a training",
      "step and of an inference. --largest names the widest 784-H-34 and",
      "784-H-H-34 that fit instead.",
      "Byte counts are the device runtime's own; the firmware target's VM figures",
      "are measured on the firmware ('spela firmware run'), the embedded JVM's and",
      "the system's share and the MAC rate are the board profile's documented",
      "estimates ('spela boards', boards/BOARDS.md). The exit code is 0 whether or",
      "not the model fits.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela plan --board nrf52840 --layers 784,128,34",
      "  spela plan --board esp32 --layers 784-128-34 --frozen 1",
      "  spela plan --board stm32h743 --layers 784,1000,34 --classes 34 --json",
      "  spela plan --board nrf52840 --layers 784,128,34 --target jvm",
      "  spela plan --board nrf52840 --largest",
      "",
      "--json prints one object: board, model, inputSize, classes, layers[],",
      "ram{}, flash{}, backprop{}, time{}, fits, and reason when it does not fit",
      "(sizes in bytes)."
    })
public final class PlanCommand implements Runnable {

  @Spec CommandSpec spec;

  @Option(
      names = "--board",
      required = true,
      paramLabel = "ID",
      description = "The board, by id (spela boards lists them).")
  String board;

  @Option(
      names = "--layers",
      paramLabel = "SIZES",
      split = "[,-]",
      hideParamSyntax = true,
      description =
          "Layer sizes, input first: 784,128,34 (or 784-128-34) is 784 inputs, 128 units, then 34.")
  int[] layers;

  @Option(
      names = "--classes",
      defaultValue = "10",
      paramLabel = "C",
      description = "Number of classes (default: ${DEFAULT-VALUE}).")
  int classes;

  @Option(
      names = "--frozen",
      defaultValue = "0",
      paramLabel = "K",
      description =
          "Freeze the first K layers: their weights stay in flash and are not updated (default:"
              + " ${DEFAULT-VALUE}).")
  int frozen;

  @Option(
      names = "--target",
      defaultValue = "firmware",
      paramLabel = "firmware|firmware-agent|jvm",
      description =
          "What runs the runtime: firmware (TeaVM-compiled, as 'spela firmware build' makes it;"
              + " its VM costs are measured), firmware-agent (the same with the device agent:"
              + " 'spela firmware build --agent') or jvm (an embedded JVM; the profile's header"
              + " model) (default: ${DEFAULT-VALUE}).")
  String target;

  @Option(
      names = "--largest",
      description =
          "Instead of one model, name the widest 784-H-34 and 784-H-H-34 that fit the board"
              + " (--layers 784,34 may give other input and output widths).")
  boolean largest;

  @Option(names = "--json", description = "Print the plan as one JSON object.")
  boolean json;

  @Override
  public void run() {
    BoardPlan.Target chosen = target();
    if (largest) {
      printLargest(BoardsCommand.board(board), chosen);
      return;
    }
    if (layers == null) {
      throw CliException.usage("--layers is required (or --largest)");
    }
    MemoryPlan model = model();
    BoardProfile profile = BoardsCommand.board(board);
    DatasetOptions.warnIfNoDatasetHas(layers[0], spec.commandLine().getErr());
    BoardPlan plan = BoardPlan.of(profile, model, chosen);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.line(plan));
    } else {
      print(out, profile, plan);
    }
    out.flush();
  }

  private BoardPlan.Target target() {
    try {
      return BoardPlan.Target.valueOf(target.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--target must be firmware, firmware-agent or jvm, got " + target);
    }
  }

  /** What --largest --json prints. */
  record Largest(
      String board,
      BoardPlan.Target target,
      int classes,
      String oneHiddenLayer,
      String twoHiddenLayers) {}

  /** The widest one- and two-hidden-layer models that fit, as text or one JSON object. */
  private void printLargest(BoardProfile profile, BoardPlan.Target chosen) {
    int inputs = 784;
    int outputs = 34;
    if (layers != null) {
      if (layers.length != 2) {
        throw CliException.usage("with --largest, --layers gives the input and output widths only,"
            + " e.g. 784,34");
      }
      inputs = layers[0];
      outputs = layers[1];
    }
    int one = LargestModel.hiddenWidth(profile, chosen, inputs, outputs, classes, 1);
    int two = LargestModel.hiddenWidth(profile, chosen, inputs, outputs, classes, 2);
    PrintWriter out = spec.commandLine().getOut();
    String oneHidden = one == 0 ? "none" : inputs + "-" + one + "-" + outputs;
    String twoHidden = two == 0 ? "none" : inputs + "-" + two + "-" + two + "-" + outputs;
    if (json) {
      out.println(Json.line(new Largest(profile.id(), chosen, classes, oneHidden, twoHidden)));
    } else {
      out.printf(Locale.ROOT, "Largest models that train on %s (%s target, %d classes):%n",
          profile.id(), chosen.name().toLowerCase(Locale.ROOT), classes);
      out.printf(Locale.ROOT, "  one hidden layer:  %s%n  two hidden layers: %s%n", oneHidden,
          twoHidden);
    }
    out.flush();
  }

  /** The runtime's memory plan for the options, or a usage error naming what is wrong. */
  private MemoryPlan model() {
    String list = String.join("-", Arrays.stream(layers).mapToObj(Integer::toString).toList());
    int count = layers.length - 1;
    if (count < 1) {
      throw CliException.usage(
          "--layers needs an input size and at least one layer, e.g. 784,128,34");
    }
    if (count > ModelImage.MAX_LAYERS) {
      throw CliException.usage(
          "--layers has " + count + " layers, the model format allows " + ModelImage.MAX_LAYERS);
    }
    for (int size : layers) {
      if (size < 1 || size > ModelImage.MAX_WIDTH) {
        throw CliException.usage(
            "--layers sizes must be from 1 to " + ModelImage.MAX_WIDTH + ", got " + list);
      }
    }
    if (classes < ModelImage.MIN_CLASSES || classes > ModelImage.MAX_CLASSES) {
      throw CliException.usage(
          "--classes must be from "
              + ModelImage.MIN_CLASSES
              + " to "
              + ModelImage.MAX_CLASSES
              + ", got "
              + classes);
    }
    if (frozen < 0 || frozen > count) {
      throw CliException.usage(
          "--frozen "
              + frozen
              + " is outside 0.."
              + count
              + ": model "
              + list
              + " has "
              + count
              + " layer"
              + (count == 1 ? "" : "s"));
    }
    MemoryPlan model = new MemoryPlan();
    long mask = frozen == 64 ? -1L : (1L << frozen) - 1;
    int status =
        model.setShape(
            layers[0], classes, Arrays.copyOfRange(layers, 1, layers.length), count, mask);
    if (status != ImageStatus.OK) {
      throw CliException.usage(
          "model " + list + " is too large for the model image format (2 GB at most)");
    }
    return model;
  }

  private static void print(PrintWriter out, BoardProfile board, BoardPlan plan) {
    out.printf(
        Locale.ROOT,
        "%s, %d classes, on %s (%s target): %s, %s at %d MHz%n%n",
        plan.model(),
        plan.classes(),
        board.id(),
        plan.target().name().toLowerCase(Locale.ROOT),
        board.name(),
        board.core(),
        board.clockMHz());

    String layerRow = "%5s %7s %8s  %-6s %11s %8s %8s %13s %12s%n";
    out.printf(
        Locale.ROOT,
        layerRow,
        "LAYER",
        "INPUTS",
        "OUTPUTS",
        "FROZEN",
        "WEIGHTS",
        "BIASES",
        "PRIORS",
        "FORWARD MACS",
        "UPDATE MACS");
    for (BoardPlan.Layer layer : plan.layers()) {
      out.printf(
          Locale.ROOT,
          layerRow,
          layer.layer(),
          layer.inputs(),
          layer.outputs(),
          layer.frozen() ? "yes" : "no",
          bytes(layer.weightBytes()),
          bytes(layer.biasBytes()),
          bytes(layer.priorBytes()),
          bytes(layer.forwardMacs()),
          bytes(layer.updateMacs()));
    }

    BoardPlan.Ram ram = plan.ram();
    out.printf("%nRAM%n");
    line(out, "weights (trainable layers)", ram.weights(), "");
    line(out, "biases", ram.biases(), "");
    line(out, "activations and scratch", ram.activations(), "");
    line(out, "rounding noise", ram.noise(), "");
    line(out, "layer bookkeeping", ram.bookkeeping(), "");
    line(out, "image I/O and row buffers", ram.ioBuffers(), "");
    line(out, "runtime fixed arrays", ram.runtimeFixed(), "");
    if (ram.firmwareBuffers() > 0) {
      line(out, "firmware's buffers", ram.firmwareBuffers(), "a sample, a read-back block");
    }
    if (ram.protocolBuffers() > 0 && plan.target() == BoardPlan.Target.FIRMWARE_AGENT) {
      line(out, "protocol buffers", ram.protocolBuffers(), "the agent's: message, UART frames (measured)");
    } else if (ram.protocolBuffers() > 0) {
      line(
          out,
          "protocol buffers",
          ram.protocolBuffers(),
          String.format(
              Locale.ROOT,
              "%,d-byte image block, %,d-byte telemetry",
              board.protocolBuffers().imageBlockBytes(),
              board.protocolBuffers().telemetryBytes()));
    }
    boolean agentFirmware = plan.target() == BoardPlan.Target.FIRMWARE_AGENT;
    if (ram.telemetryBuffer() > 0) {
      line(out, "telemetry buffer", ram.telemetryBuffer(), String.format(Locale.ROOT,
          "%d records kept while no host takes them; full: the window stays open",
          agentFirmware ? FirmwareMemory.AGENT_RECORD_BUFFER : AgentConfig.DEFAULT_RECORD_BUFFER));
    }
    boolean firmware = plan.target() != BoardPlan.Target.JVM;
    line(out, "VM: array and object headers", ram.vmHeaders(),
        firmware ? "12 bytes an array (TeaVM)" : "the profile's header model");
    line(out, "VM: other objects", ram.vmObjects(),
        firmware ? "TeaVM's and the firmware's, measured" : "estimate");
    if (firmware) {
      line(out, "VM: heap bookkeeping", ram.vmHeap(), "TeaVM's GC tables, page rounding");
    }
    line(out, firmware ? "VM: class structures, statics" : "VM: engine", ram.vmStatic(),
        firmware ? ".data and .bss, measured" : "estimate");
    line(out, "stack", ram.stack(), firmware ? "measured" : "one Java thread, estimate");
    line(out, "system (estimate)", ram.system(), "");
    items(out, board.reservedRam());
    line(out, "total", ram.total(), verdict(ram.total(), ram.capacity(), "SRAM"));

    BoardPlan.Flash flash = plan.flash();
    out.printf("%nFLASH%n");
    line(out, "firmware (estimate)", flash.firmware(), "");
    items(out, board.reservedFlash());
    line(
        out,
        "image slots",
        flash.imageSlots() * flash.slot(),
        String.format(
            Locale.ROOT,
            "%d x %,d: image of %,d bytes in %,d-byte sectors",
            flash.imageSlots(),
            flash.slot(),
            flash.image(),
            board.flashSectorBytes()));
    line(out, "checkpoint", flash.checkpoint(), "");
    line(
        out,
        "total",
        flash.total(),
        verdict(
            flash.total(), flash.capacity(), (board.flashExternal() ? "external " : "") + "flash"));
    line(
        out,
        "priors, frozen weights",
        flash.readInPlace(),
        "read in place: part of the image, not extra");

    BoardPlan.Backprop backprop = plan.backprop();
    out.printf(
        Locale.ROOT,
        "%nBackpropagation instead would need %,d bytes of RAM (%,d for the model), %s%n",
        backprop.total(),
        backprop.model(),
        verdict(backprop.total(), ram.capacity(), "SRAM"));

    BoardPlan.Time time = plan.time();
    out.printf(
        Locale.ROOT,
        "Time per sample at %.2f MAC/cycle and %d MHz: training step %,d MACs, %.2f ms;"
            + " inference %,d MACs, %.2f ms%n",
        time.macsPerCycle(),
        board.clockMHz(),
        time.trainMacs(),
        time.trainStepMillis(),
        time.inferenceMacs(),
        time.inferenceMillis());

    out.printf("%n%s%n", plan.fits() ? "Fits: yes" : "Fits: no: " + plan.reason());
  }

  private static void line(PrintWriter out, String label, long bytes, String note) {
    out.println(
        String.format(Locale.ROOT, "  %-30s %11s  %s", label, bytes(bytes), note).stripTrailing());
  }

  private static void items(PrintWriter out, List<BoardProfile.Reservation> reservations) {
    for (BoardProfile.Reservation r : reservations) {
      out.printf(Locale.ROOT, "  %-30s %11s  %s%n", "", "(" + bytes(r.bytes()) + ")", r.item());
    }
  }

  private static String verdict(long needed, long capacity, String memory) {
    return needed <= capacity
        ? String.format(
            Locale.ROOT, "of %,d %s: fits, %,d free", capacity, memory, capacity - needed)
        : String.format(
            Locale.ROOT,
            "of %,d %s: does not fit, over by %,d",
            capacity,
            memory,
            needed - capacity);
  }

  private static String bytes(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }
}
