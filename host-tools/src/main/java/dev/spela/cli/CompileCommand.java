package dev.spela.cli;

import dev.spela.data.Dataset;
import dev.spela.image.ImageCompiler;
import dev.spela.image.ImageFiles;
import dev.spela.priors.PriorMethod;
import dev.spela.protocols.image.ModelImage;
import dev.spela.train.FixedEngine;
import dev.spela.train.LocalLoss;
import dev.spela.train.SpelaNetwork;
import dev.spela.train.WeightsFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela compile}: makes a device model image from a fresh model or from trained float weights. */
@Command(
    name = "compile",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    modelTransformer = DatasetOptions.NotRequired.class,
    description = {
      "Make a device model image from a fresh model or from trained float weights.",
      "The image (protocols/MODEL_FORMAT.md) holds either a fresh SPELA model",
      "(Kaiming weights and class vectors from --seed, exactly what 'spela train'",
      "starts from) or the float weights 'spela train --save' wrote, quantised to",
      "16-bit weights with one power-of-two exponent per layer, 32-bit biases and",
      "Q15 class vectors. Prints the image's size and the SHA-256 of the file (as",
      "sha256sum prints it; the hash announced when it is sent to a device)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela compile --layers 784,128,34 -o fresh.img",
      "  spela compile --layers 784,128,34 --dataset mnist --seed 7 -o fresh.img",
      "  spela compile --from model.splw -o model.img"
    })
public final class CompileCommand implements Runnable {

  /** How updates that fall between two weight steps are rounded on the device. */
  enum Rounding { NEAREST, STOCHASTIC }

  @Spec CommandSpec spec;

  @Option(names = "--layers", paramLabel = "SIZES", split = ",", hideParamSyntax = true,
      description = "Layer sizes of a fresh model, input first: 784,128,34.")
  int[] layers;

  @Option(names = "--classes", paramLabel = "C",
      description = "Classes of a fresh model (default: the --dataset's, else 10).")
  Integer classes;

  @Mixin DatasetOptions dataset;

  @Option(names = "--seed", paramLabel = "S",
      description = "Seed of a fresh model's weights and class vectors, and of the device's stochastic rounding"
          + " (default: 1, or the --from file's seed).")
  Long seed;

  @Option(names = "--priors", defaultValue = "riesz", paramLabel = "riesz|random",
      description = "A fresh model's class vectors: riesz (evenly spread) or random (default: ${DEFAULT-VALUE}).")
  PriorMethod priors;

  @Option(names = "--from", paramLabel = "WEIGHTS",
      description = "Compile these SPELA float weights (from 'spela train --save') instead of a fresh model.")
  Path from;

  @Option(names = "--lr", defaultValue = "0.01", paramLabel = "RATE",
      description = "Learning rate the device trains with, 2^-24 .. 1 (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(names = "--margin", defaultValue = "" + ImageCompiler.DEFAULT_EARLY_EXIT_MARGIN, paramLabel = "COS",
      description = "Early-exit margin: a layer answers when its best cosine beats the second by this, 0 .. 2"
          + " (default: ${DEFAULT-VALUE}).")
  double margin;

  @Option(names = "--rounding", defaultValue = "stochastic", paramLabel = "stochastic|nearest",
      description = "Rounding of weight updates on the device (default: ${DEFAULT-VALUE}).")
  Rounding rounding;

  @Option(names = "--combined-prediction",
      description = "The device answers with the layers' cosines summed (a layer with those of every layer up to it)"
          + " instead of each layer's alone; spela train --json reports both as combinedAccuracy and layerAccuracy.")
  boolean combinedPrediction;

  @Option(names = "--cosine-steps", paramLabel = "N", defaultValue = "0",
      description = "The device decays its learning rate along a cosine to 0 over its next N training steps (counted"
          + " from the image's samples seen, 0 for a fresh model), then stops learning; 0 keeps the rate constant"
          + " (default: ${DEFAULT-VALUE}).")
  int cosineSteps;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "IMAGE", description = "The image file to write.")
  Path output;

  @Override
  public void run() {
    checkOptions();
    SpelaNetwork network = from != null ? readWeights() : freshNetwork();
    long rngSeed = seed != null ? seed : 1;
    int mode = rounding == Rounding.NEAREST ? ModelImage.ROUNDING_NEAREST : ModelImage.ROUNDING_STOCHASTIC;
    byte[] image;
    try {
      image = ImageCompiler.compile(network, new ImageCompiler.Settings(learningRate, margin, mode, rngSeed,
          combinedPrediction, cosineSteps));
    } catch (IllegalArgumentException e) {
      throw from != null
          ? CliException.failure("cannot compile " + from + ": " + e.getMessage(), e)
          : CliException.usage(e.getMessage());
    }
    ImageArguments.write(output, image);
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "Wrote %s: %s, %d classes, %,d bytes, SHA-256 %s%n", output,
        TrainCommand.layerList(ImageFiles.layerSizes(image)), network.classes(), image.length, ImageFiles.digest(image));
    out.flush();
  }

  private void checkOptions() {
    if (from != null) {
      if (layers != null || classes != null || dataset.given()) {
        throw CliException.usage("--from takes the shape and classes from the weights file: leave out --layers,"
            + " --classes and --dataset");
      }
    } else if (layers == null) {
      throw CliException.usage("give --layers for a fresh model, or --from WEIGHTS");
    } else {
      TrainCommand.checkLayers(layers);
    }
    if (classes != null && dataset.given()) {
      throw CliException.usage("--classes and --dataset both set the class count: give one");
    }
    if (cosineSteps < 0) {
      throw CliException.usage("--cosine-steps must be 0 (a constant rate) or more, got " + cosineSteps);
    }
    try {
      FixedEngine.learningRateQ24(learningRate);
      ImageCompiler.marginQ15(margin);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
  }

  private SpelaNetwork freshNetwork() {
    int classCount = classes != null ? classes : 10;
    if (dataset.given()) {
      Dataset data = dataset.load();
      classCount = data.numClasses();
      int pixels = data.train().pixelsPerSample();
      if (layers[0] != pixels) {
        throw CliException.usage(String.format(Locale.ROOT,
            "--layers starts with %d inputs, but %s samples have %d values: start it with %d", layers[0],
            dataset.name(), pixels, pixels));
      }
    } else {
      DatasetOptions.warnIfNoDatasetHas(layers[0], spec.commandLine().getErr());
    }
    if (classCount < ModelImage.MIN_CLASSES || classCount > ModelImage.MAX_CLASSES) {
      throw CliException.usage("--classes must be between " + ModelImage.MIN_CLASSES + " and " + ModelImage.MAX_CLASSES
          + ", got " + classCount);
    }
    try {
      return SpelaNetwork.fresh(layers, classCount, priors, LocalLoss.COSINE, seed != null ? seed : 1);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
  }

  private SpelaNetwork readWeights() {
    WeightsFile.Saved saved;
    try {
      saved = WeightsFile.read(from);
    } catch (IOException e) {
      throw CliException.cannotRead(from, e);
    }
    if (!(saved.network() instanceof SpelaNetwork network)) {
      throw CliException.failure(from + " holds backpropagation weights: a model image needs SPELA's class vectors"
          + " (priors), which backpropagation does not have");
    }
    if (seed == null) {
      seed = saved.seed();
    }
    return network;
  }
}
