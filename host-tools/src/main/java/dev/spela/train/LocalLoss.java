package dev.spela.train;

/** The loss each SPELA layer minimises against its class vectors; h is the layer's output, v its label's vector. */
public enum LocalLoss {
  /** {@code -cos(h, v)}: the paper's text. */
  COSINE,
  /** {@code |h - v|^2 / 2}: the paper's ablation. */
  EUCLIDEAN,
  /**
   * {@code log(2 - cos(h, v))}: the authors' released code; the cosine's gradient scaled by
   * {@code 1 / (2 - cos)}, so samples that are already right weigh more than wrong ones.
   */
  LOGCOS,
  /**
   * Cross-entropy of a softmax over the cosines with every class vector divided by a temperature:
   * the layer is pulled towards its label's vector and pushed away from the others' it is close
   * to. Still local and forward-only; it costs one more pass over the class vectors.
   */
  SOFTMAX;

  /** Whether only the direction of h matters (every loss but the Euclidean). */
  boolean scaleFree() {
    return this != EUCLIDEAN;
  }
}
