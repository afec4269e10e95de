package dev.spela.cli;

import dev.spela.data.Dataset;
import dev.spela.data.Split;
import dev.spela.priors.PriorMethod;
import dev.spela.train.BackpropNetwork;
import dev.spela.train.EpochReport;
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
      "Train a network on a dataset with SPELA or backpropagation and print each answering",
      "layer's test accuracy after every epoch.",
      "SPELA trains each layer against fixed class vectors with a local cosine loss, in a single",
      "forward pass; every layer can answer. Backpropagation (--algo bp) is the baseline: its last",
      "layer must have one unit per class and only that layer answers."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela train --dataset mnist --layers 784,1000,34 --epochs 10",
      "  spela train --dataset fashion-mnist --layers 784,1024,10 --algo bp --json",
      "  spela train --dataset mnist --layers 784,128,34 --save model.splw"
    })
public final class TrainCommand implements Runnable {

  /** Which training rule to use. */
  enum Algorithm { spela, bp }

  @Spec CommandSpec spec;

  @Mixin DatasetOptions dataset;

  @Option(names = "--layers", required = true, paramLabel = "N,N,...", split = ",",
      description = "Layer sizes, input first: 784,1000,34 is 784 inputs, 1000 units, then 34.")
  int[] layers;

  @Option(names = "--algo", defaultValue = "spela", paramLabel = "spela|bp",
      description = "Training rule: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Algorithm algorithm;

  @Option(names = "--epochs", defaultValue = "1", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--lr", defaultValue = "0.01", description = "SGD learning rate, constant (default: ${DEFAULT-VALUE}).")
  float learningRate;

  @Option(names = "--batch", defaultValue = "1",
      description = "Samples per update; 1 is per-sample SGD, as on a device (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--seed", defaultValue = "1",
      description = "Seed of the weights, class vectors and shuffle: same seed, same numbers (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads to train and evaluate with (default: all cores, here ${DEFAULT-VALUE}).")
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

  @Option(names = "--save", paramLabel = "FILE", description = "Save the trained float weights (docs/weights-format.md).")
  Path save;

  @Option(names = "--json", description = "Print one JSON object per epoch instead of text.")
  boolean json;

  @Override
  public void run() {
    checkOptions();
    Dataset data = dataset.load();
    Samples train = samples(data.train(), data.numClasses(), trainSamples);
    Samples test = samples(data.test(), data.numClasses(), null);
    checkShape(data, train);
    Network network = newNetwork(data.numClasses());
    network.initialise(seed);
    TrainingOptions options = new TrainingOptions(epochs, learningRate, batch, seed, threads);
    PrintWriter out = spec.commandLine().getOut();
    if (!json) {
      out.printf(Locale.ROOT, "Training %s with %s on %s: %,d training and %,d test samples, %d epoch%s, lr %s, batch %d, seed %d, %d thread%s%n",
          layerList(), algorithm == Algorithm.spela ? "SPELA" : "backpropagation", dataset.name(),
          train.count(), test.count(), epochs, epochs == 1 ? "" : "s", learningRate, batch, seed, threads, threads == 1 ? "" : "s");
      out.flush();
    }
    new Trainer(network, train, test, options).run(new Reporter(out));
    if (save != null) {
      try {
        WeightsFile.write(save, network, seed, epochs);
      } catch (IOException e) {
        throw CliException.failure("cannot save the weights to " + save + ": " + e.getMessage(), e);
      }
      if (!json) {
        out.println("Saved weights to " + save);
      }
    }
  }

  private void checkOptions() {
    if (layers.length < 2) {
      throw CliException.usage("--layers needs an input size and at least one layer, e.g. 784,1000,34");
    }
    for (int size : layers) {
      if (size < 1) {
        throw CliException.usage("--layers sizes must be positive, got " + layerList());
      }
    }
    if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
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
  }

  private void checkShape(Dataset data, Samples train) {
    if (layers[0] != train.inputSize()) {
      throw CliException.usage(String.format(Locale.ROOT,
          "--layers starts with %d inputs but %s samples have %d values (%dx%d pixels)",
          layers[0], dataset.name(), train.inputSize(), data.train().rows(), data.train().cols()));
    }
    int classes = data.numClasses();
    if (algorithm == Algorithm.bp && layers[layers.length - 1] != classes) {
      throw CliException.usage(String.format(Locale.ROOT,
          "backpropagation's last layer needs one unit per class: %s has %d classes, --layers ends with %d",
          dataset.name(), classes, layers[layers.length - 1]));
    }
    if (algorithm == Algorithm.spela) {
      for (int k = 1; k < layers.length; k++) {
        // C evenly spread unit vectors (a regular simplex) need C - 1 dimensions.
        if (layers[k] < classes - 1) {
          throw CliException.usage(String.format(Locale.ROOT,
              "layer %d has %d units, too few to hold %d class vectors (it needs at least %d)",
              k, layers[k], classes, classes - 1));
        }
      }
    }
  }

  private Network newNetwork(int classes) {
    if (algorithm == Algorithm.bp) {
      return new BackpropNetwork(layers, classes);
    }
    float[][] classVectors = new float[layers.length - 1][];
    for (int k = 0; k < classVectors.length; k++) {
      classVectors[k] = priors.generate(classes, layers[k + 1], seed + k).toFloatArray();
    }
    return new SpelaNetwork(layers, classes, classVectors, loss);
  }

  private static Samples samples(Split split, int classes, Integer limit) {
    int count = limit == null ? split.count() : Math.min(limit, split.count());
    return new Samples(split.pixels(), split.labels(), count, split.pixelsPerSample(), classes);
  }

  private String layerList() {
    return IntStream.of(layers).mapToObj(Integer::toString).collect(Collectors.joining("-"));
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
          int layer = algorithm == Algorithm.bp ? layers.length - 1 : k + 1;
          line.append(String.format(Locale.ROOT, "  layer %d %.2f%%", layer, 100 * accuracy[k]));
        }
        out.println(line);
      }
      out.flush();
    }
  }
}
