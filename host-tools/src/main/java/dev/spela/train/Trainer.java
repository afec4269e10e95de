package dev.spela.train;

import java.util.SplittableRandom;

/**
 * Trains an engine epoch by epoch on shuffled (or ordered) training samples and measures every answering
 * layer's accuracy on the test samples after each epoch. The shuffle depends only on the seed,
 * so two runs with the same seed see the same samples in the same order, whatever the rule or
 * engine.
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
  /** Seeds the augmentation apart from both. */
  private static final long AUGMENT_SEED_SALT = 0xA6_6E47L;

  private final Engine engine;
  private final Samples train;
  private final Samples test;
  private final TrainingOptions options;

  public Trainer(Engine engine, Samples train, Samples test, TrainingOptions options) {
    if (train.inputSize() != engine.inputSize() || test.inputSize() != engine.inputSize()) {
      throw new IllegalArgumentException(
          "the network takes " + engine.inputSize() + " inputs but the data has " + train.inputSize());
    }
    this.engine = engine;
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
    SplittableRandom shuffle = shuffle(options.seed());
    SplittableRandom augment = new SplittableRandom(options.seed() ^ AUGMENT_SEED_SALT);
    Augmentation augmentation = options.augmentation();
    long stepsPerEpoch = (order.length + options.batchSize() - 1) / options.batchSize();
    LearningRates rates = options.schedule().over(stepsPerEpoch, options.epochs());
    try (ParallelRanges pool = new ParallelRanges(options.threads())) {
      for (int epoch = 1; epoch <= options.epochs(); epoch++) {
        if (options.shuffle()) {
          shuffle(order, shuffle);
        }
        Samples samples = augmentation == null || augmentation.isNone() ? train : augmentation.apply(train, augment);
        listener.epochStarted(epoch, order.length);
        double[] lossSums = new double[engine.answeringLayers()];
        long start = System.nanoTime();
        engine.trainEpoch(samples, order, options.batchSize(), rates, (epoch - 1) * stepsPerEpoch, pool, lossSums,
            listener::progressed);
        double seconds = (System.nanoTime() - start) / 1e9;
        double[] meanLoss = new double[lossSums.length];
        for (int k = 0; k < lossSums.length; k++) {
          meanLoss[k] = lossSums[k] / order.length;
        }
        boolean tested = epoch % options.evaluateEvery() == 0 || epoch == options.epochs();
        Engine.Accuracy accuracy = tested ? engine.accuracy(test, pool) : new Engine.Accuracy(null, null);
        listener.epochFinished(new EpochReport(engine.engine(), epoch, seconds, order.length / seconds,
            engine.trainingThreads(pool), accuracy.layers(), accuracy.combined(), meanLoss, weightNorms(engine),
            engine instanceof FixedEngine fixed ? fixed.precision() : null));
      }
    }
  }

  private static double[] weightNorms(Engine engine) {
    if (engine instanceof FixedEngine fixed) {
      return fixed.weightNorms();
    }
    if (!(engine instanceof Network network)) {
      return null;
    }
    DenseLayer[] layers = network.layers();
    double[] norms = new double[layers.length];
    for (int k = 0; k < layers.length; k++) {
      norms[k] = layers[k].weightNorm();
    }
    return norms;
  }

  /** The generator of the epochs' shuffles for {@code seed}: the same for every engine. */
  public static SplittableRandom shuffle(long seed) {
    return new SplittableRandom(seed ^ SHUFFLE_SEED_SALT);
  }

  /** Per-worker counts of correct answers per layer, summed and divided by {@code samples}. */
  static double[] fractions(int[][] correctPerWorker, int samples) {
    double[] accuracy = new double[correctPerWorker[0].length];
    for (int[] counts : correctPerWorker) {
      for (int k = 0; k < accuracy.length; k++) {
        accuracy[k] += counts[k];
      }
    }
    for (int k = 0; k < accuracy.length; k++) {
      accuracy[k] /= samples;
    }
    return accuracy;
  }

  /** Shuffles {@code order} in place (Fisher-Yates), the next epoch's order from {@code random}. */
  public static void shuffle(int[] order, SplittableRandom random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
}
