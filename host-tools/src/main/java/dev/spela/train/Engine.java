package dev.spela.train;

import java.util.function.IntConsumer;

/**
 * What the {@link Trainer} drives: something that trains on samples in a given order and measures
 * each answering layer's accuracy. The float network and the fixed-point device runtime both
 * implement it, so the same trainer, shuffle and reports serve both.
 */
public interface Engine {

  /**
   * Test accuracy (fractions) of each answering layer alone, and, for engines that can, of each
   * layer's cosines summed with those of the layers before it (else null).
   */
  record Accuracy(double[] layers, double[] combined) {}

  /** The engine's name, as the CLI spells it ({@code float} or {@code fixed}). */
  String engine();

  int inputSize();

  /** How many layers give a prediction (and so an accuracy). */
  int answeringLayers();

  /**
   * One training step, number {@code step} of the run, on samples {@code order[from..from+count)}
   * (one SGD step on their averaged or summed gradient, at each layer's rate for that step). Adds
   * each answering layer's summed loss to {@code lossSums}.
   */
  void trainBatch(Samples data, int[] order, int from, int count, LearningRates rates, long step, ParallelRanges pool,
      double[] lossSums);

  /** {@link #trainBatch} at one constant rate for every layer. */
  default void trainBatch(
      Samples data, int[] order, int from, int count, float learningRate, ParallelRanges pool, double[] lossSums) {
    trainBatch(data, order, from, count, LearningRates.constant(learningRate), 0, pool, lossSums);
  }

  /**
   * One epoch: batches of {@code batchSize} samples in {@code order}, one SGD step each, numbered
   * from {@code firstStep}, calling {@code progressed} with each batch's size. Engines may overlap
   * the batches' work on the pool's threads as long as the result is that of taking them one after
   * the other.
   */
  default void trainEpoch(Samples data, int[] order, int batchSize, LearningRates rates, long firstStep,
      ParallelRanges pool, double[] lossSums, IntConsumer progressed) {
    trainInTurn(this, data, order, batchSize, rates, firstStep, pool, lossSums, progressed);
  }

  /** {@link #trainEpoch} done the plain way: one {@link #trainBatch} after the other. */
  static void trainInTurn(Engine engine, Samples data, int[] order, int batchSize, LearningRates rates,
      long firstStep, ParallelRanges pool, double[] lossSums, IntConsumer progressed) {
    long step = firstStep;
    for (int from = 0; from < order.length; from += batchSize) {
      int count = Math.min(batchSize, order.length - from);
      engine.trainBatch(data, order, from, count, rates, step++, pool, lossSums);
      progressed.accept(count);
    }
  }

  /** Each answering layer's accuracy on every sample of {@code data}. */
  Accuracy accuracy(Samples data, ParallelRanges pool);

  /** How many of the pool's threads a training step uses. */
  int trainingThreads(ParallelRanges pool);
}
