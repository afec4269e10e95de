package dev.spela.train;

/**
 * How to train: SGD over epochs with a learning-rate {@link Schedule}, batches of {@code
 * batchSize}, the training samples shuffled from the seed or, as a device's sensor delivers them,
 * in the order they come, and optionally augmented afresh every epoch.
 *
 * @param augmentation null for none
 * @param evaluateEvery test after every this many epochs (and after the last); 1 tests every epoch
 */
public record TrainingOptions(int epochs, Schedule schedule, int batchSize, long seed, int threads, boolean shuffle,
    Augmentation augmentation, int evaluateEvery) {

  /** Tested after every epoch. */
  public TrainingOptions(
      int epochs, Schedule schedule, int batchSize, long seed, int threads, boolean shuffle, Augmentation augmentation) {
    this(epochs, schedule, batchSize, seed, threads, shuffle, augmentation, 1);
  }

  /** Plain SGD at a constant rate, no augmentation. */
  public TrainingOptions(int epochs, float learningRate, int batchSize, long seed, int threads, boolean shuffle) {
    this(epochs, Schedule.constant(learningRate), batchSize, seed, threads, shuffle, null);
  }

  /** Shuffled epochs, the usual way to train on the host. */
  public TrainingOptions(int epochs, float learningRate, int batchSize, long seed, int threads) {
    this(epochs, learningRate, batchSize, seed, threads, true);
  }

  public TrainingOptions {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("the batch size must be at least 1, got " + batchSize);
    }
    if (evaluateEvery < 1) {
      throw new IllegalArgumentException("evaluateEvery must be at least 1, got " + evaluateEvery);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
  }
}
