package dev.spela.cli;

import dev.spela.image.ImageFiles;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.runtime.MemoryPlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spela inspect}: checks a model image and shows its header, layers and memory plan. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Check a model image; show its header, layers and memory plan.",
      "Checks every rule of protocols/MODEL_FORMAT.md, then prints the header, the",
      "layer table and the memory the device runtime needs to train the model, part",
      "by part in bytes, beside what backpropagation would need for the same",
      "network and number formats. An invalid image exits with 1 and names the",
      "first check it fails."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  spela inspect model.img", "  spela inspect model.img --json"})
public final class InspectCommand implements Runnable {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "The model image file.")
  Path file;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  /** One layer's entry of the table. */
  record Layer(int layer, int inputs, int outputs, String weightFormat, int weightExponent, int inputFracBits,
      String biasFormat, int biasExponent, String priorFormat, boolean frozen, int weightBytes, int biasBytes,
      int priorBytes) {}

  /**
   * The memory plan, in bytes: {@code ram} is everything the runtime allocates (arena, I/O buffers, fixed
   * arrays), {@code flash} what it reads in place from the image (frozen weights, priors).
   */
  record Memory(long weights, long frozenWeights, long biases, long priors, long activations, long noise,
      long bookkeeping, long arena, long ioBuffers, long runtimeFixed, long ram, long flash, long backpropagation,
      long backpropagationActivations) {}

  /** Everything the command reports. */
  record Report(String file, long bytes, String sha256, int version, int classes, int inputSize, String inputFormat,
      double learningRate, int learningRateQ24, String rounding, double earlyExitMargin, int earlyExitMarginQ15,
      long rngSeed, long samplesSeen, int cosineSteps, boolean inputStatistics, boolean combinedPrediction,
      List<Layer> layers, Memory memory) {}

  @Override
  public void run() {
    byte[] image = ImageArguments.readValid(file);
    Report report = report(image);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.line(report));
    } else {
      print(report, out);
    }
    out.flush();
  }

  private Report report(byte[] image) {
    ModelImageDecoder d = new ModelImageDecoder().wrap(image, 0, image.length);
    List<Layer> layers = new ArrayList<>();
    for (int k = 0; k < d.layerCount(); k++) {
      layers.add(new Layer(k + 1, d.inputs(k), d.outputs(k), "int16", d.weightExponent(k), d.inputFracBits(k),
          "int32", d.biasExponent(k), "Q15", d.frozen(k), d.weightsLength(k), d.biasesLength(k), d.priorsLength(k)));
    }
    MemoryPlan plan = new MemoryPlan();
    plan.setFromImage(new ArrayFlash(image), 0, image.length);
    long allWeights = 0;
    for (int k = 0; k < plan.layers(); k++) {
      allWeights += plan.weightBytes(k);
    }
    long backpropActivations = plan.backpropBytes() - allWeights - plan.biasBytes();
    Memory memory = new Memory(plan.weightBytes(), plan.frozenWeightBytes(), plan.biasBytes(), plan.priorBytes(),
        plan.activationBytes(), plan.noiseBytes(), plan.bookkeepingBytes(), plan.arenaBytes(), plan.ioBufferBytes(),
        MemoryPlan.FIXED_BYTES, plan.ramBytes(), plan.flashBytes(), plan.backpropBytes(), backpropActivations);
    return new Report(file.toString(), image.length, ImageFiles.digest(image), d.version(), d.classCount(),
        d.inputSize(), "u8", d.learningRate() / (double) ModelImage.MAX_LEARNING_RATE, d.learningRate(),
        d.roundingMode() == ModelImage.ROUNDING_STOCHASTIC ? "stochastic" : "nearest",
        d.earlyExitMargin() / (double) ModelImage.Q15_ONE, d.earlyExitMargin(), d.rngSeed(), d.samplesSeen(),
        d.scheduleKind() == ModelImage.SCHEDULE_COSINE ? d.scheduleSteps() : 0, d.hasInputStatistics(), (d.flags() & ModelImage.FLAG_COMBINED_PREDICTION) != 0, layers, memory);
  }

  private static void print(Report r, PrintWriter out) {
    StringBuilder shape = new StringBuilder(Integer.toString(r.inputSize()));
    for (Layer layer : r.layers()) {
      shape.append('-').append(layer.outputs());
    }
    out.printf(Locale.ROOT, "%s: valid model image, format version %d, %,d bytes%n", r.file(), r.version(), r.bytes());
    out.printf(Locale.ROOT, "  file SHA-256  %s%n", r.sha256());
    out.printf(Locale.ROOT, "  network       %s, %d classes, input %d unsigned bytes (%s)%n", shape, r.classes(),
        r.inputSize(), r.inputStatistics() ? "minus their training mean, times a scale: the image's statistics"
            : "value / 255");
    out.printf(Locale.ROOT, "  prediction    %s%n", r.combinedPrediction()
        ? "combined: a layer answers with the cosines of the layers up to it summed" : "each layer alone");
    out.printf(Locale.ROOT, "  training      learning rate %s (Q24 %d)%s, %s rounding, rounding seed %d%n",
        number(r.learningRate()), r.learningRateQ24(), r.cosineSteps() == 0 ? ""
            : String.format(Locale.ROOT, " decaying along a cosine to 0 at step %,d", r.cosineSteps()),
        r.rounding(), r.rngSeed());
    out.printf(Locale.ROOT, "  early exit    margin %s (Q15 %d)%n", number(r.earlyExitMargin()), r.earlyExitMarginQ15());
    out.printf(Locale.ROOT, "  samples seen  %,d%n", r.samplesSeen());
    out.println();
    out.println("layer  inputs  outputs  weights           biases            priors  frac bits  frozen  "
        + "weight bytes  bias bytes  prior bytes");
    for (Layer l : r.layers()) {
      out.printf(Locale.ROOT, "%5d  %6d  %7d  %-16s  %-16s  %-6s  %9d  %-6s  %,12d  %,10d  %,11d%n", l.layer(),
          l.inputs(), l.outputs(), l.weightFormat() + " x 2^" + l.weightExponent(),
          l.biasFormat() + " x 2^" + l.biasExponent(), l.priorFormat(), l.inputFracBits(), l.frozen() ? "yes" : "no",
          l.weightBytes(), l.biasBytes(), l.priorBytes());
    }
    Memory m = r.memory();
    out.println();
    out.println("Memory to train on the device runtime (bytes; flash: read in place from the image):");
    row(out, "weights", m.weights(), m.frozenWeights());
    row(out, "biases", m.biases(), 0);
    row(out, "class vectors", 0, m.priors());
    row(out, "activations", m.activations(), 0);
    row(out, "rounding noise", m.noise(), 0);
    row(out, "bookkeeping", m.bookkeeping(), 0);
    row(out, "arena", m.arena(), 0);
    row(out, "I/O buffers", m.ioBuffers(), 0);
    row(out, "runtime arrays", m.runtimeFixed(), 0);
    row(out, "total", m.ram(), m.flash());
    out.println("Compared with per-sample backpropagation on the same network and number formats (bytes):");
    out.printf(Locale.ROOT, "  %-16s SPELA %,12d  backpropagation %,12d (every layer's input and pre-activation kept,"
        + " plus gradients)%n", "activations", m.activations(), m.backpropagationActivations());
    out.printf(Locale.ROOT, "  %-16s SPELA %,12d  backpropagation %,12d (no class vectors, no rounding noise)%n",
        "arena", m.arena(), m.backpropagation());
  }

  private static void row(PrintWriter out, String part, long ram, long flash) {
    out.printf(Locale.ROOT, "  %-16s %,12d RAM  %,12d flash%n", part, ram, flash);
  }

  private static String number(double value) {
    return new java.math.BigDecimal(String.format(Locale.ROOT, "%.6g", value)).stripTrailingZeros().toPlainString();
  }

}
