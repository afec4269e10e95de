package dev.spela.train;

/** How large each layer's step is at each step of a run. */
public interface LearningRates {

  /**
   * Layer {@code layer}'s learning rate at step {@code step} (batches since training began, from
   * 0); 0 leaves the layer as it is.
   */
  float rate(int layer, long step);

  /** Whether a batch's step adds its samples' gradients (true) or averages them (false). */
  default boolean summed() {
    return false;
  }

  /** The same rate for every layer at every step, batch gradients averaged. */
  static LearningRates constant(float rate) {
    return (layer, step) -> rate;
  }

  /** The factor a batch of {@code count} samples' summed gradient is multiplied by, negated: a step down. */
  default float stepScale(int layer, long step, int count) {
    float rate = rate(layer, step);
    return summed() ? -rate : -rate / count;
  }
}
