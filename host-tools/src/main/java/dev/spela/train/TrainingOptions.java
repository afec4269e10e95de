package dev.spela.train;

/**
 * How to train: plain SGD with a constant learning rate over epochs, shuffled from the seed or, as
 * a device's sensor delivers them, in the order the samples come.
 */
public record TrainingOptions(int epochs, float learningRate, int batchSize, long seed, int threads, boolean shuffle) {
  /** Shuffled epochs, the usual way to train on the host. */
  public TrainingOptions(int epochs, float learningRate, int batchSize, long seed, int threads) {
    this(epochs, learningRate, batchSize, seed, threads, true);
  }

  public TrainingOptions {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
    }
    if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
      throw new IllegalArgumentException("the learning rate must be a positive number, got " + learningRate);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("the batch size must be at least 1, got " + batchSize);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
  }
}
