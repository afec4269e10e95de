package dev.spela.cli;

import dev.spela.data.Dataset;
import dev.spela.data.Split;
import dev.spela.image.ImageCompiler;
import dev.spela.image.ImageFiles;
import dev.spela.priors.PriorMethod;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.train.BackpropNetwork;
import dev.spela.train.Engine;
import dev.spela.train.EpochReport;
import dev.spela.train.FixedEngine;
import dev.spela.train.LocalLoss;
import dev.spela.train.Network;
import dev.spela.train.Samples;
import dev.spela.train.SpelaNetwork;
import dev.spela.train.Trainer;
import dev.spela.train.TrainingOptions;
import dev.spela.train.WeightsFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela train}: trains a network on the host and reports every layer's test accuracy. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Train a network on a dataset; print every layer's test accuracy per epoch.",
      "SPELA trains each layer against fixed class vectors with a local cosine",
      "loss, in a single forward pass; every layer can answer. Backpropagation",
      "(--algo bp) is the baseline: its last layer must have one unit per class and",
      "only that layer answers. --engine fixed trains with the device runtime's",
      "integer arithmetic instead of float, one sample at a time on one thread,",
      "from exactly the float engine's initial model (quantised) for the same seed,",
      "and sees the samples in the same order."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela train --dataset mnist --layers 784,1000,34 --epochs 10",
      "  spela train --dataset fashion-mnist --layers 784,1024,10 --algo bp --json",
      "  spela train --dataset mnist --layers 784,128,34 --save model.splw",
      "  spela train --dataset mnist --layers 784,64,34 --engine fixed --save model.img",
      "  spela train --dataset mnist --engine fixed --init model.img --epochs 2"
    })
public final class TrainCommand implements Runnable {

  /** Which training rule to use. */
  enum Algorithm { spela, bp }

  /** Which arithmetic trains: float32 on the host, or the device runtime's fixed point. */
  enum EngineKind { FLOAT, FIXED }

  /** The learning rate unless --lr (or, with --init, the image) says otherwise. */
  static final float DEFAULT_LEARNING_RATE = 0.01f;

  @Spec CommandSpec spec;

  @Mixin DatasetOptions dataset;

  @Option(names = "--layers", paramLabel = "SIZES", split = ",", hideParamSyntax = true,
      description = "Layer sizes, input first: 784,1000,34 is 784 inputs, 1000 units, then 34. Required unless --init.")
  int[] layers;

  @Option(names = "--engine", defaultValue = "float", paramLabel = "float|fixed",
      description = "Arithmetic: float (host float32) or fixed (the device runtime's integers) (default: float).")
  EngineKind engineKind;

  @Option(names = "--algo", defaultValue = "spela", paramLabel = "spela|bp",
      description = "Training rule: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Algorithm algorithm;

  @Option(names = "--epochs", defaultValue = "1", paramLabel = "E", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--lr", paramLabel = "RATE",
      description = "SGD learning rate, constant (default: 0.01, or with --init the image's rate).")
  Float learningRate;

  @Option(names = "--batch", defaultValue = "1", paramLabel = "N",
      description = "Samples per update; 1 is per-sample SGD, as on a device (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
      description = "Seed of the weights, class vectors and shuffle: same seed, same numbers (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads to train and evaluate with; the fixed engine trains on one (default: all cores, here ${DEFAULT-VALUE}).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--loss", defaultValue = "cosine", paramLabel = "cosine|euclidean",
      description = "SPELA's local loss; euclidean is the paper's ablation (default: ${DEFAULT-VALUE}).")
  LocalLoss loss;

  @Option(names = "--priors", defaultValue = "riesz", paramLabel = "riesz|random",
      description = "SPELA's class vectors: riesz (evenly spread) or random Gaussian (default: ${DEFAULT-VALUE}).")
  PriorMethod priors;

  @Option(names = "--train-samples", paramLabel = "N",
      description = "Train on the first N training samples only (default: all).")
  Integer trainSamples;

  @Option(names = "--test-samples", paramLabel = "N",
      description = "Test on the first N test samples only (default: all).")
  Integer testSamples;

  @Option(names = "--shard", paramLabel = "I/N",
      description = "Train and test on shard I of N only (samples I, I+N, I+2N, ... of each split), the data"
          + " a virtual device with --shard I/N learns from.")
  String shard;

  @Option(names = "--in-order",
      description = "Take the training samples in their stored order every epoch instead of shuffling them,"
          + " as a device's sensor delivers them.")
  boolean inOrder;

  @Option(names = "--init", paramLabel = "IMAGE",
      description = "With --engine fixed: start from this model image (see 'spela compile') instead of a fresh model.")
  Path init;

  @Option(names = "--save", paramLabel = "FILE",
      description = "Save the trained model: float weights (docs/weights-format.md), or with --engine fixed a model image"
          + " (protocols/MODEL_FORMAT.md).")
  Path save;

  @Option(names = "--json", description = "Print one JSON object per epoch instead of text.")
  boolean json;

  /** The network's sizes, input first: --layers, or the --init image's shape. */
  private int[] sizes;

  @Override
  public void run() {
    checkOptions();
    Dataset data = dataset.load();
    int[] shardOf = shardOption();
    Samples train = samples(data.train(), data.numClasses(), shardOf, trainSamples);
    Samples test = samples(data.test(), data.numClasses(), shardOf, testSamples);
    byte[] initial = init == null ? null : readInitialImage();
    float rate = learningRate != null ? learningRate
        : initial != null ? initialRate(initial) : DEFAULT_LEARNING_RATE;
    checkShape(data, train);
    Engine engine = newEngine(data.numClasses(), rate, initial);
    TrainingOptions options = new TrainingOptions(epochs, rate, batch, seed, threads, !inOrder);
    PrintWriter out = spec.commandLine().getOut();
    if (!json) {
      out.printf(Locale.ROOT, "Training %s%s with %s%s on %s: %,d training and %,d test samples, %d epoch%s, lr %s, batch %d, seed %d, %d thread%s%s%n",
          layerList(), init == null ? "" : " from " + init, algorithm == Algorithm.spela ? "SPELA" : "backpropagation",
          engineKind == EngineKind.FIXED ? " (fixed-point engine)" : "", dataset.name(),
          train.count(), test.count(), epochs, epochs == 1 ? "" : "s", rate, batch, seed, threads, threads == 1 ? "" : "s",
          engineKind == EngineKind.FIXED ? " to evaluate, 1 to train" : "");
      out.flush();
    }
    new Trainer(engine, train, test, options).run(new Reporter(out));
    if (save != null) {
      save(engine);
      if (!json) {
        out.println((engineKind == EngineKind.FIXED ? "Saved the model image to " : "Saved weights to ") + save);
      }
    }
  }

  private void checkOptions() {
    if (layers == null && init == null) {
      throw CliException.usage("--layers is required (or, with --engine fixed, --init IMAGE)");
    }
    if (layers != null) {
      checkLayers(layers);
    }
    if (learningRate != null && (!(learningRate > 0) || Float.isInfinite(learningRate))) {
      throw CliException.usage("--lr must be a positive number, got " + learningRate);
    }
    if (epochs < 1) {
      throw CliException.usage("--epochs must be at least 1, got " + epochs);
    }
    if (batch < 1) {
      throw CliException.usage("--batch must be at least 1, got " + batch);
    }
    if (threads < 1) {
      throw CliException.usage("--threads must be at least 1, got " + threads);
    }
    if (trainSamples != null && trainSamples < 1) {
      throw CliException.usage("--train-samples must be at least 1, got " + trainSamples);
    }
    if (testSamples != null && testSamples < 1) {
      throw CliException.usage("--test-samples must be at least 1, got " + testSamples);
    }
    if (engineKind == EngineKind.FIXED) {
      checkFixedEngineOptions();
    } else if (init != null) {
      throw CliException.usage("--init starts the fixed engine from an image: add --engine fixed");
    }
  }

  /** The device runtime does per-sample cosine SPELA only. */
  private void checkFixedEngineOptions() {
    if (algorithm == Algorithm.bp) {
      throw CliException.usage("--engine fixed trains with SPELA only, not --algo bp");
    }
    if (loss != LocalLoss.COSINE) {
      throw CliException.usage("--engine fixed trains with the cosine loss only, not --loss " + loss.name().toLowerCase(Locale.ROOT));
    }
    if (batch != 1) {
      throw CliException.usage("--engine fixed trains one sample at a time, as a device does: --batch must be 1, got " + batch);
    }
    if (learningRate != null) {
      try {
        FixedEngine.learningRateQ24(learningRate);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--lr: " + e.getMessage());
      }
    }
  }

  /** Checks that --layers lists an input size and at least one positive layer size. */
  static void checkLayers(int[] layers) {
    if (layers.length < 2) {
      throw CliException.usage("--layers needs an input size and at least one layer, e.g. 784,1000,34");
    }
    for (int size : layers) {
      if (size < 1) {
        throw CliException.usage("--layers sizes must be positive, got " + layerList(layers));
      }
    }
  }

  /** Reads and validates the --init image, and takes the network's shape from it. */
  private byte[] readInitialImage() {
    byte[] image = ImageArguments.readValid(init);
    int[] shape = ImageFiles.layerSizes(image);
    if (layers != null && !Arrays.equals(layers, shape)) {
      throw CliException.usage("--layers " + layerList(layers) + " does not match the shape of " + init + ", "
          + layerList(shape) + " (leave --layers out to use the image's)");
    }
    layers = shape;
    return image;
  }

  private static float initialRate(byte[] image) {
    return new ModelImageDecoder().wrap(image, 0, image.length).learningRate() / (float) ModelImage.MAX_LEARNING_RATE;
  }

  private void checkShape(Dataset data, Samples train) {
    sizes = layers;
    if (sizes[0] != train.inputSize()) {
      throw CliException.usage(String.format(Locale.ROOT,
          "%s starts with %d inputs but %s samples have %d values (%dx%d pixels)",
          init == null ? "--layers" : init.toString(), sizes[0], dataset.name(), train.inputSize(),
          data.train().rows(), data.train().cols()));
    }
    int classes = data.numClasses();
    if (algorithm == Algorithm.bp && sizes[sizes.length - 1] != classes) {
      throw CliException.usage(String.format(Locale.ROOT,
          "backpropagation's last layer needs one unit per class: %s has %d classes, --layers ends with %d",
          dataset.name(), classes, sizes[sizes.length - 1]));
    }
  }

  private Engine newEngine(int classes, float rate, byte[] initial) {
    if (algorithm == Algorithm.bp) {
      BackpropNetwork network = new BackpropNetwork(sizes, classes);
      network.initialise(seed);
      return network;
    }
    if (initial != null) {
      FixedEngine engine = new FixedEngine(initial);
      if (engine.runtime().classes() != classes) {
        throw CliException.usage(String.format(Locale.ROOT, "%s has %d classes but %s has %d",
            init, engine.runtime().classes(), dataset.name(), classes));
      }
      return engine;
    }
    SpelaNetwork network;
    try {
      network = SpelaNetwork.fresh(sizes, classes, priors, loss, seed);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
    if (engineKind == EngineKind.FLOAT) {
      return network;
    }
    return fixedEngine(network, rate, seed);
  }

  /** The fixed engine starting from {@code network}'s weights and priors, quantised. */
  static FixedEngine fixedEngine(SpelaNetwork network, float rate, long seed) {
    try {
      return new FixedEngine(ImageCompiler.compile(network, ImageCompiler.Settings.of(rate, seed)));
    } catch (IllegalArgumentException e) {
      throw CliException.usage("cannot run this network on the fixed engine: " + e.getMessage());
    }
  }

  private void save(Engine engine) {
    try {
      if (engine instanceof FixedEngine fixed) {
        ImageArguments.write(save, fixed.image());
      } else {
        WeightsFile.write(save, (Network) engine, seed, epochs);
      }
    } catch (IOException e) {
      throw CliException.cannotWrite(save, e);
    }
  }

  /** The split, or its shard {@code shardOf[0]} of {@code shardOf[1]} as a device takes it, cut to {@code limit}. */
  static Samples samples(Split split, int classes, int[] shardOf, Integer limit) {
    byte[] pixels = split.pixels();
    byte[] labels = split.labels();
    int count = split.count();
    if (shardOf != null) {
      dev.spela.boards.device.Samples shard = new dev.spela.boards.device.Samples(split.pixelsPerSample(), pixels, labels)
          .shard(shardOf[0], shardOf[1], Integer.MAX_VALUE);
      pixels = shard.pixels();
      labels = shard.labels();
      count = shard.count();
    }
    if (limit != null) {
      count = Math.min(limit, count);
    }
    return new Samples(pixels, labels, count, split.pixelsPerSample(), classes);
  }

  private int[] shardOption() {
    if (shard == null) {
      return null;
    }
    String[] parts = shard.split("/", -1);
    try {
      int index = Integer.parseInt(parts[0]);
      int count = Integer.parseInt(parts[1]);
      if (parts.length == 2 && count >= 1 && index >= 0 && index < count) {
        return new int[] {index, count};
      }
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      // reported below
    }
    throw CliException.usage("--shard takes I/N with 0 <= I < N, e.g. 0/16; got '" + shard + "'");
  }

  private String layerList() {
    return layerList(sizes);
  }

  static String layerList(int[] sizes) {
    return IntStream.of(sizes).mapToObj(Integer::toString).collect(Collectors.joining("-"));
  }

  /** Prints a progress bar during an epoch and its results after it. */
  private final class Reporter implements Trainer.Listener {
    private final PrintWriter out;
    private ProgressBar bar;

    Reporter(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void epochStarted(int epoch, int samples) {
      bar = new ProgressBar(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs), samples);
    }

    @Override
    public void progressed(int samples) {
      bar.advance(samples);
    }

    @Override
    public void epochFinished(EpochReport report) {
      bar.close();
      if (json) {
        out.println(Json.line(report));
      } else {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
            "epoch %d/%d  %.1f s  %,.0f samples/s  test accuracy:", report.epoch(), epochs,
            report.seconds(), report.samplesPerSecond()));
        double[] accuracy = report.layerAccuracy();
        for (int k = 0; k < accuracy.length; k++) {
          int layer = algorithm == Algorithm.bp ? sizes.length - 1 : k + 1;
          line.append(String.format(Locale.ROOT, "  layer %d %.2f%%", layer, 100 * accuracy[k]));
        }
        out.println(line);
      }
      out.flush();
    }
  }
}
