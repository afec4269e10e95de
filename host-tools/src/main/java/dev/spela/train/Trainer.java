package dev.spela.train;

import java.util.SplittableRandom;

/**
 * Trains a network epoch by epoch on shuffled training samples and measures every answering
 * layer's accuracy on the test samples after each epoch. The shuffle depends only on the seed,
 * so two runs with the same seed see the same samples in the same order, whatever the rule.
 */
public final class Trainer {

  /** Hears about a run as it goes. */
  public interface Listener {
    default void epochStarted(int epoch, int samples) {}

    default void progressed(int samples) {}

    void epochFinished(EpochReport report);
  }

  /** Seeds the shuffle apart from the weight initialisation. */
  private static final long SHUFFLE_SEED_SALT = 0x5E1A_5EEDL;

  private final Network network;
  private final Samples train;
  private final Samples test;
  private final TrainingOptions options;

  public Trainer(Network network, Samples train, Samples test, TrainingOptions options) {
    if (train.inputSize() != network.inputSize() || test.inputSize() != network.inputSize()) {
      throw new IllegalArgumentException(
          "the network takes " + network.inputSize() + " inputs but the data has " + train.inputSize());
    }
    this.network = network;
    this.train = train;
    this.test = test;
    this.options = options;
  }

  /** Runs every epoch, reporting each to {@code listener}. */
  public void run(Listener listener) {
    int[] order = new int[train.count()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    SplittableRandom shuffle = new SplittableRandom(options.seed() ^ SHUFFLE_SEED_SALT);
    try (ParallelRanges pool = new ParallelRanges(options.threads())) {
      Network.Inference[] inference = new Network.Inference[pool.threads()];
      for (int w = 0; w < inference.length; w++) {
        inference[w] = network.newInference();
      }
      for (int epoch = 1; epoch <= options.epochs(); epoch++) {
        shuffle(order, shuffle);
        listener.epochStarted(epoch, order.length);
        double[] lossSums = new double[network.answeringLayers()];
        long start = System.nanoTime();
        for (int from = 0; from < order.length; from += options.batchSize()) {
          int count = Math.min(options.batchSize(), order.length - from);
          network.trainBatch(train, order, from, count, options.learningRate(), pool, lossSums);
          listener.progressed(count);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double[] meanLoss = new double[lossSums.length];
        for (int k = 0; k < lossSums.length; k++) {
          meanLoss[k] = lossSums[k] / order.length;
        }
        listener.epochFinished(new EpochReport(
            epoch, seconds, order.length / seconds, pool.threads(), accuracy(network, test, pool, inference), meanLoss));
      }
    }
  }

  /** Each answering layer's accuracy on {@code data}, with the samples split across the threads. */
  public static double[] accuracy(Network network, Samples data, ParallelRanges pool, Network.Inference[] inference) {
    int layers = network.answeringLayers();
    int[][] correct = new int[pool.threads()][layers];
    pool.run(data.count(), (worker, from, to) -> {
      int[] predictions = new int[layers];
      for (int sample = from; sample < to; sample++) {
        inference[worker].run(data, sample, predictions);
        for (int k = 0; k < layers; k++) {
          if (predictions[k] == data.label(sample)) {
            correct[worker][k]++;
          }
        }
      }
    });
    double[] accuracy = new double[layers];
    for (int[] counts : correct) {
      for (int k = 0; k < layers; k++) {
        accuracy[k] += counts[k];
      }
    }
    for (int k = 0; k < layers; k++) {
      accuracy[k] /= data.count();
    }
    return accuracy;
  }

  private static void shuffle(int[] order, SplittableRandom random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
}
