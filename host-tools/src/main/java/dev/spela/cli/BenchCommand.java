package dev.spela.cli;

import dev.spela.data.Dataset;
import dev.spela.priors.PriorMethod;
import dev.spela.train.Engine;
import dev.spela.train.LocalLoss;
import dev.spela.train.ParallelRanges;
import dev.spela.train.Samples;
import dev.spela.train.SpelaNetwork;
import dev.spela.train.Trainer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela bench}: training speed of the float and the fixed-point engine, side by side. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    modelTransformer = DatasetOptions.MnistByDefault.class,
    description = {
      "Measure training speed of the float and the fixed-point engine side by side.",
      "Both engines train on the same real data, from the same initial model, in",
      "the same sample order, one sample per step. Each first trains on warm-up",
      "samples (so the JIT has compiled its kernels), then the two take turns over",
      "timed rounds; the median round is reported in samples per second. The float",
      "engine gets --threads; the fixed engine trains on one thread whatever it is,",
      "as a device does."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela bench",
      "  spela bench --layers 784,128,34 --samples 20000 --json",
      "  spela bench --threads 2 --data-dir ~/data/fashion --dataset fashion-mnist"
    })
public final class BenchCommand implements Runnable {

  @Spec CommandSpec spec;

  @Mixin DatasetOptions dataset;

  @Option(names = "--layers", paramLabel = "SIZES",
      description = "A network to measure, input first; repeat for several (default: 784,128,34 and 784,1000,34).")
  List<String> layers = new ArrayList<>(List.of("784,128,34", "784,1000,34"));

  @Option(names = "--samples", defaultValue = "10000", paramLabel = "N",
      description = "Training samples per timed round (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--warmup", defaultValue = "3000", paramLabel = "N",
      description = "Untimed training samples per engine first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--rounds", defaultValue = "3", paramLabel = "R",
      description = "Timed rounds per engine, taken in turns; the median is reported (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--threads", defaultValue = "1", paramLabel = "T",
      description = "Threads for the float engine (the fixed engine trains on one) (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--lr", defaultValue = "0.01", paramLabel = "RATE", description = "Learning rate (default: ${DEFAULT-VALUE}).")
  float learningRate;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the model and the sample order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print one JSON object per network instead of text.")
  boolean json;

  /** One network's figures. */
  record Result(String dataset, String layers, int samples, int rounds, int warmup, String floatEngine,
      int floatThreads, double floatSamplesPerSecond, int fixedThreads, double fixedSamplesPerSecond,
      double fixedOverFloat, String java) {}

  @Override
  public void run() {
    List<int[]> networks = parseLayers();
    if (samples < 1 || warmup < 0 || rounds < 1 || threads < 1) {
      throw CliException.usage("--samples, --rounds and --threads must be at least 1 and --warmup at least 0");
    }
    if (!(learningRate > 0) || learningRate > 1) {
      throw CliException.usage("--lr must be in (0, 1], got " + learningRate);
    }
    Dataset data = dataset.load();
    Samples train = TrainCommand.samples(data.train(), data.numClasses(), null, null);
    for (int[] sizes : networks) {
      if (sizes[0] != train.inputSize()) {
        throw CliException.usage(String.format(Locale.ROOT, "--layers %s starts with %d inputs but %s samples have %d",
            TrainCommand.layerList(sizes), sizes[0], dataset.name(), train.inputSize()));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (!json) {
      out.printf(Locale.ROOT, "SPELA training speed on %s: %s per round, median of %s after %s, float on %s,"
              + " fixed on 1, Java %s%n", dataset.name(), Plural.of(samples, "sample"), Plural.of(rounds, "round"),
          Plural.of(warmup, "warm-up sample"), Plural.of(threads, "thread"), Runtime.version());
      out.printf(Locale.ROOT, "%-14s %16s %16s %12s%n", "network", "float samples/s", "fixed samples/s", "fixed/float");
      out.flush();
    }
    for (int[] sizes : networks) {
      Result result = measure(sizes, train, data.numClasses());
      if (json) {
        out.println(Json.line(result));
      } else {
        out.printf(Locale.ROOT, "%-14s %,16.0f %,16.0f %12.3f%n", result.layers(), result.floatSamplesPerSecond(),
            result.fixedSamplesPerSecond(), result.fixedOverFloat());
      }
      out.flush();
    }
  }

  private List<int[]> parseLayers() {
    List<int[]> parsed = new ArrayList<>();
    for (String list : layers) {
      try {
        parsed.add(Arrays.stream(list.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray());
      } catch (NumberFormatException e) {
        throw CliException.usage("--layers must list sizes like 784,128,34, got '" + list + "'");
      }
      TrainCommand.checkLayers(parsed.get(parsed.size() - 1));
    }
    return parsed;
  }

  private Result measure(int[] sizes, Samples train, int classes) {
    SpelaNetwork network;
    try {
      network = SpelaNetwork.fresh(sizes, classes, PriorMethod.RIESZ, LocalLoss.COSINE, seed);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
    Engine fixed = TrainCommand.fixedEngine(network, learningRate, seed);
    int[] order = order(train.count(), warmup + rounds * samples);
    // Drawn on a terminal only, and not with --json: stderr stays clean for scripts.
    long steps = 2L * (warmup + (long) rounds * samples);
    try (ParallelRanges pool = new ParallelRanges(threads);
        ProgressBar bar = new ProgressBar(TrainCommand.layerList(sizes), steps, System.err,
            !json && System.console() != null)) {
      double[] losses = new double[sizes.length - 1];
      train(network, train, order, 0, warmup, pool, losses, bar);
      train(fixed, train, order, 0, warmup, pool, losses, bar);
      double[] floatRates = new double[rounds];
      double[] fixedRates = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        int from = warmup + r * samples;
        floatRates[r] = train(network, train, order, from, samples, pool, losses, bar);
        fixedRates[r] = train(fixed, train, order, from, samples, pool, losses, bar);
      }
      double floatRate = median(floatRates);
      double fixedRate = median(fixedRates);
      return new Result(dataset.name(), TrainCommand.layerList(sizes), samples, rounds, warmup, network.engine(),
          network.trainingThreads(pool), floatRate, fixed.trainingThreads(pool), fixedRate, fixedRate / floatRate,
          Runtime.version().toString());
    }
  }

  /** The shuffled training order of {@code seed}, epoch after epoch, until {@code length} samples. */
  private int[] order(int count, int length) {
    int[] epoch = new int[count];
    for (int i = 0; i < count; i++) {
      epoch[i] = i;
    }
    var random = Trainer.shuffle(seed);
    int[] order = new int[length];
    for (int at = 0; at < length; at += count) {
      Trainer.shuffle(epoch, random);
      System.arraycopy(epoch, 0, order, at, Math.min(count, length - at));
    }
    return order;
  }

  /**
   * Trains {@code engine} one sample per step on {@code order[from..from+count)}; returns samples per
   * second. The bar's cost (a clock read per sample, a redraw five times a second) is far below a
   * training step's.
   */
  private double train(Engine engine, Samples train, int[] order, int from, int count, ParallelRanges pool,
      double[] losses, ProgressBar bar) {
    long start = System.nanoTime();
    for (int s = from; s < from + count; s++) {
      engine.trainBatch(train, order, s, 1, learningRate, pool, losses);
      bar.advance(1);
    }
    return count / ((System.nanoTime() - start) / 1e9);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
