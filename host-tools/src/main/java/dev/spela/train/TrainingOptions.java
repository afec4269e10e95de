package dev.spela.train;

/**
 * How to train: SGD over epochs with a learning-rate {@link Schedule}, batches of {@code
 * batchSize}, the training samples shuffled from the seed or, as a device's sensor delivers them,
 * in the order they come, and optionally augmented afresh every epoch.
 *
 * @param augmentation null for none
 */
public record TrainingOptions(
    int epochs, Schedule schedule, int batchSize, long seed, int threads, boolean shuffle, Augmentation augmentation) {

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
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
  }
}
