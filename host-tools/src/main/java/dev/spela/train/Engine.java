package dev.spela.train;

import java.util.function.IntConsumer;

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

  /**
   * One epoch: batches of {@code batchSize} samples in {@code order}, one SGD step each, calling
   * {@code progressed} with each batch's size. Engines may overlap the batches' work on the pool's
   * threads as long as the result is that of taking them one after the other.
   */
  default void trainEpoch(Samples data, int[] order, int batchSize, float learningRate, ParallelRanges pool,
      double[] lossSums, IntConsumer progressed) {
    trainInTurn(this, data, order, batchSize, learningRate, pool, lossSums, progressed);
  }

  /** {@link #trainEpoch} done the plain way: one {@link #trainBatch} after the other. */
  static void trainInTurn(Engine engine, Samples data, int[] order, int batchSize, float learningRate,
      ParallelRanges pool, double[] lossSums, IntConsumer progressed) {
    for (int from = 0; from < order.length; from += batchSize) {
      int count = Math.min(batchSize, order.length - from);
      engine.trainBatch(data, order, from, count, learningRate, pool, lossSums);
      progressed.accept(count);
    }
  }

  /** Each answering layer's accuracy (a fraction) on every sample of {@code data}. */
  double[] accuracy(Samples data, ParallelRanges pool);

  /** How many of the pool's threads a training step uses. */
  int trainingThreads(ParallelRanges pool);
}
