package dev.spela.train;

/**
 * What the {@link Trainer} drives: something that trains on samples in a given order and measures
 * each answering layer's accuracy. The float network and the fixed-point device runtime both
 * implement it, so the same trainer, shuffle and reports serve both.
 */
public interface Engine {

  /** The engine's name, as the CLI spells it ({@code float} or {@code fixed}). */
  String engine();

  int inputSize();

  /** How many layers give a prediction (and so an accuracy). */
  int answeringLayers();

  /**
   * One training step on samples {@code order[from..from+count)} (one SGD step on their averaged
   * gradient). Adds each answering layer's summed loss to {@code lossSums}.
   */
  void trainBatch(
      Samples data, int[] order, int from, int count, float learningRate, ParallelRanges pool, double[] lossSums);

  /** Each answering layer's accuracy (a fraction) on every sample of {@code data}. */
  double[] accuracy(Samples data, ParallelRanges pool);

  /** How many of the pool's threads a training step uses. */
  int trainingThreads(ParallelRanges pool);
}
