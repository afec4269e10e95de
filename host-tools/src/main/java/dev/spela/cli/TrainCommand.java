package dev.spela.cli;

import dev.spela.data.Dataset;
import dev.spela.data.Split;
import dev.spela.image.ImageCompiler;
import dev.spela.image.ImageFiles;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.train.BackpropNetwork;
import dev.spela.train.ConvFront;
import dev.spela.train.Engine;
import dev.spela.train.FixedEngine;
import dev.spela.train.FixedPrecision;
import dev.spela.train.Network;
import dev.spela.train.Preprocessing;
import dev.spela.train.Recipe;
import dev.spela.train.SampleSets;
import dev.spela.train.Samples;
import dev.spela.train.Schedule;
import dev.spela.train.SpelaNetwork;
import dev.spela.train.Trainer;
import dev.spela.train.TrainingOptions;
import dev.spela.train.Transfer;
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
      "  spela train --dataset mnist --layers 784,1000,34 --recipe authors-code",
      "  spela train --dataset mnist --layers 784,256,34 --save m.splw",
      "  spela train --dataset fashion-mnist --layers 784,256,34 --start-from m.splw",
      "  spela train --dataset mnist --layers 784,1000,34 --resplit 0.01 --epochs 5",
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

  @Mixin LearningOptions learning;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
      description = "Seed of the weights, class vectors and shuffle: same seed, same numbers (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads to train and evaluate with; the fixed engine trains on one (default: all cores, here ${DEFAULT-VALUE}).")
  int threads = Runtime.getRuntime().availableProcessors();

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

  @Option(names = "--conv", paramLabel = "CONV",
      description = "SPELA only: a convolution first. CONV is C:K:P, for example 16:5:4: C filters of K x K pixels with"
          + " SPELA's local loss on their global averages; the dense layers get each filter's map averaged over P x P"
          + " tiles (--layers still starts with the pixel count).")
  String conv;

  @Option(names = "--classes", paramLabel = "RANGE",
      description = "Train and test on the classes of RANGE = A-B only, relabelled from 0 (e.g. 5-9 for transfer"
          + " learning).")
  String classRange;

  @Option(names = "--resplit", paramLabel = "FRACTION",
      description = "Few-shot: merge the training and test splits, train on a random FRACTION of them (drawn from the"
          + " seed), test on the rest.")
  Double resplit;

  @Option(names = "--start-from", paramLabel = "WEIGHTS",
      description = "Copy the first --freeze layers of this float weights file (SPELA or backpropagation) into the new"
          + " network and keep them frozen: a feature extractor with a new SPELA head.")
  Path startFrom;

  @Option(names = "--freeze", paramLabel = "K", defaultValue = "1",
      description = "With --start-from: how many layers to copy and freeze (default: ${DEFAULT-VALUE}).")
  int freeze;

  @Option(names = "--init", paramLabel = "IMAGE",
      description = "With --engine fixed: start from this model image (see 'spela compile') instead of a fresh model.")
  Path init;

  @Option(names = "--save", paramLabel = "FILE",
      description = "Save the trained model: float weights (docs/weights-format.md), or with --engine fixed a model image"
          + " (protocols/MODEL_FORMAT.md).")
  Path save;

  @Option(names = "--evaluate-every", paramLabel = "E", defaultValue = "1",
      description = "Test after every E epochs and after the last (default: ${DEFAULT-VALUE}).")
  int evaluateEvery;

  @Option(names = "--json", description = "Print one JSON object per epoch instead of text.")
  boolean json;

  @Option(names = "--precision",
      description = "With --engine fixed and --json: per epoch and layer, the weight exponent, halvings, the share of"
          + " weight updates rounded to zero and their mean size in LSBs (every " + FixedPrecision.SAMPLE_EVERY
          + "th step taken apart), saturated weights and biases.")
  boolean precision;

  /** The network's sizes, input first: --layers, or the --init image's shape. */
  private int[] sizes;

  @Override
  public void run() {
    checkOptions();
    Dataset data = dataset.load();
    int[] shardOf = shardOption();
    Samples train = samples(data.train(), data.numClasses(), shardOf, trainSamples);
    Samples test = samples(data.test(), data.numClasses(), shardOf, testSamples);
    if (classRange != null) {
      int[] range = classRange(data.numClasses());
      train = SampleSets.onlyClasses(train, range[0], range[1]);
      test = SampleSets.onlyClasses(test, range[0], range[1]);
    }
    if (resplit != null) {
      Samples[] parts = SampleSets.resplit(train, test, resplit, seed);
      train = parts[0];
      test = parts[1];
    }
    byte[] initial = init == null ? null : readInitialImage();
    Recipe recipe = learning.recipe(engineKind == EngineKind.FIXED ? Recipe.PAPER : Recipe.DEFAULT);
    Schedule schedule = learning.schedule(recipe, initial != null ? initialRate(initial) : null);
    int batch = learning.batch(recipe);
    checkShape(data, train);
    try {
      schedule.check(sizes.length - 1, epochs);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
    int classes = train.classes();
    Engine engine = newEngine(classes, recipe, schedule, initial, train);
    if (precision && engine instanceof FixedEngine fixed) {
      fixed.measurePrecision();
    }
    if (startFrom != null) {
      schedule = schedule.freezing(freeze);
    }
    TrainingOptions options = new TrainingOptions(epochs, schedule, batch, seed, threads, !inOrder && recipe.shuffle(),
        learning.augmentation(recipe, data.train().cols()), evaluateEvery);
    PrintWriter out = spec.commandLine().getOut();
    if (!json) {
      out.printf(Locale.ROOT, "Training %s%s with %s%s on %s: %,d training and %,d test samples, %d epoch%s, %s, batch %d,"
              + " seed %d, %d thread%s%s%n",
          layerList(), init == null ? "" : " from " + init, algorithm == Algorithm.spela ? "SPELA" : "backpropagation",
          engineKind == EngineKind.FIXED ? " (fixed-point engine)" : "", dataset.name(),
          train.count(), test.count(), epochs, epochs == 1 ? "" : "s", schedule, batch, seed, threads,
          threads == 1 ? "" : "s", engineKind == EngineKind.FIXED ? " to evaluate, 1 to train" : "");
      if (engine instanceof SpelaNetwork spela) {
        out.printf(Locale.ROOT, "Recipe %s: %s, %s priors, preprocessing %s%s%n", recipe.name(), spela.settings(),
            learning.priors(recipe).name().toLowerCase(Locale.ROOT), spela.preprocessing(),
            options.augmentation() == null ? "" : ", augmented (" + options.augmentation() + ")");
      }
      out.flush();
    }
    new Trainer(engine, train, test, options)
        .run(new TrainReporter(out, epochs, json, algorithm == Algorithm.bp ? sizes.length - 1 : 0));
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
    if (epochs < 1) {
      throw CliException.usage("--epochs must be at least 1, got " + epochs);
    }
    if (evaluateEvery < 1) {
      throw CliException.usage("--evaluate-every must be at least 1, got " + evaluateEvery);
    }
    if (threads < 1) {
      throw CliException.usage("--threads must be at least 1, got " + threads);
    }
    if (trainSamples != null && trainSamples < 1) {
      throw CliException.usage("--train-samples must be at least 1, got " + trainSamples);
    }
    if (resplit != null && !(resplit > 0 && resplit < 1)) {
      throw CliException.usage("--resplit takes a fraction between 0 and 1, e.g. 0.01; got " + resplit);
    }
    if (conv != null && (algorithm == Algorithm.bp || engineKind == EngineKind.FIXED || save != null
        || startFrom != null)) {
      throw CliException.usage("--conv is for float SPELA trained from scratch, without --save (for now)");
    }
    if (startFrom != null && algorithm == Algorithm.bp) {
      throw CliException.usage("--start-from gives a SPELA head to a feature extractor: not with --algo bp");
    }
    if (testSamples != null && testSamples < 1) {
      throw CliException.usage("--test-samples must be at least 1, got " + testSamples);
    }
    if (precision && (engineKind != EngineKind.FIXED || !json)) {
      throw CliException.usage("--precision measures the fixed engine and reports in JSON: add --engine fixed --json");
    }
    if (engineKind == EngineKind.FIXED) {
      checkFixedEngineOptions();
    } else if (init != null) {
      throw CliException.usage("--init starts the fixed engine from an image: add --engine fixed");
    }
  }

  /** The device runtime does per-sample SPELA with ReLU, the cosine or softmax loss, one rate for every layer. */
  private void checkFixedEngineOptions() {
    if (algorithm == Algorithm.bp) {
      throw CliException.usage("--engine fixed trains with SPELA only, not --algo bp");
    }
    String unsupported = learning.unsupportedByFixedEngine();
    if (unsupported != null) {
      throw CliException.usage("--engine fixed does not support " + unsupported);
    }
    if (startFrom != null) {
      throw CliException.usage("--engine fixed does not support --start-from yet (compile the model and use --init)");
    }
    if (learning.rates != null) {
      try {
        FixedEngine.learningRateQ24(learning.rates[0]);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--lr: " + e.getMessage());
      }
    }
  }

  /** --classes A-B as {A, B} within the dataset's classes. */
  private int[] classRange(int classes) {
    String[] ends = classRange.split("-", -1);
    try {
      int first = Integer.parseInt(ends[0]);
      int last = ends.length == 1 ? first : Integer.parseInt(ends[1]);
      if (ends.length <= 2 && first >= 0 && first <= last && last < classes) {
        return new int[] {first, last};
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw CliException.usage("--classes takes A-B with 0 <= A <= B < " + classes + ", e.g. 5-9; got '" + classRange + "'");
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
    int classes = train.classes();
    if (algorithm == Algorithm.bp && sizes[sizes.length - 1] != classes) {
      throw CliException.usage(String.format(Locale.ROOT,
          "backpropagation's last layer needs one unit per class: %s has %d classes, --layers ends with %d",
          dataset.name(), classes, sizes[sizes.length - 1]));
    }
  }

  private Engine newEngine(int classes, Recipe recipe, Schedule schedule, byte[] initial, Samples train) {
    Preprocessing preprocessing = Preprocessing.fit(learning.preprocessing(recipe), train);
    if (algorithm == Algorithm.bp) {
      BackpropNetwork network = new BackpropNetwork(sizes, classes);
      network.initialise(seed, learning.settings(recipe).uniformInit());
      network.preprocessing(preprocessing);
      if (learning.binaryWeights) {
        network.binariseWeights();
      }
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
    ConvFront front = conv == null ? null : convFront(classes, recipe);
    try {
      int[] dense = sizes.clone();
      if (front != null) {
        dense[0] = front.outputs();
      }
      network = SpelaNetwork.fresh(dense, classes, learning.priors(recipe), learning.settings(recipe), seed);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
    network.preprocessing(preprocessing);
    if (front != null) {
      try {
        network.front(front);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--conv: " + e.getMessage());
      }
    }
    if (learning.binaryWeights) {
      network.binariseWeights();
    }
    if (startFrom != null) {
      startFrom(network);
    }
    if (engineKind == EngineKind.FLOAT) {
      return network;
    }
    ImageCompiler.Settings settings = ImageCompiler.Settings.of(schedule.baseRate(0), seed);
    if (devicesSchedule(schedule)) {
      // The device follows the cosine itself (the image says so), as it would fine-tuning alone.
      settings = settings.withCosineSchedule(Math.toIntExact(Math.min(Integer.MAX_VALUE, (long) epochs * train.count())));
    }
    return fixedEngine(network, settings);
  }

  /** The --conv stage for square images of sizes[0] pixels, its class vectors from the seed. */
  private ConvFront convFront(int classes, Recipe recipe) {
    String[] parts = conv.split(":", -1);
    int side = (int) Math.round(Math.sqrt(sizes[0]));
    try {
      int channels = Integer.parseInt(parts[0]);
      int kernel = Integer.parseInt(parts[1]);
      int pool = Integer.parseInt(parts[2]);
      if (parts.length == 3 && side * side == sizes[0] && channels >= 1) {
        float[] priors = learning.priors(recipe).generate(classes, channels, seed + 1000).toFloatArray();
        return new ConvFront(side, channels, kernel, pool, classes, priors, learning.settings(recipe), seed + 2000);
      }
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      // reported below
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--conv: " + e.getMessage());
    }
    throw CliException.usage("--conv takes C:K:P (filters, odd kernel size, pool size dividing the image side) for"
        + " square images, e.g. 16:5:4; got '" + conv + "'");
  }

  /** Copies and freezes the --start-from network's first --freeze layers. */
  private void startFrom(SpelaNetwork network) {
    Network source;
    try {
      source = WeightsFile.read(startFrom).network();
    } catch (IOException e) {
      throw CliException.failure("cannot read " + startFrom + ": " + e.getMessage(), e);
    }
    try {
      Transfer.copyLayers(source, network, freeze);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--start-from " + startFrom + ": " + e.getMessage());
    }
  }

  /**
   * Whether the device runtime can follow {@code schedule} itself: one rate decaying along a cosine
   * over the whole run (other schedules the host follows by setting the rate at every step).
   */
  private static boolean devicesSchedule(Schedule schedule) {
    return schedule.decay() == Schedule.Decay.COSINE && schedule.rates().length == 1 && schedule.warmupEpochs() == 0
        && schedule.windows() == null && !schedule.summed();
  }

  /** The fixed engine starting from {@code network}'s weights and priors, quantised. */
  static FixedEngine fixedEngine(SpelaNetwork network, float rate, long seed) {
    return fixedEngine(network, ImageCompiler.Settings.of(rate, seed));
  }

  /** The fixed engine starting from {@code network}'s weights and priors, quantised with {@code settings}. */
  static FixedEngine fixedEngine(SpelaNetwork network, ImageCompiler.Settings settings) {
    try {
      return new FixedEngine(ImageCompiler.compile(network, settings));
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
}
