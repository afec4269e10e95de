package dev.spela.train;

/** The loss each SPELA layer minimises against its class vector. */
public enum LocalLoss {
  /** {@code -cos(h, v)}: the paper's choice. */
  COSINE,
  /** {@code |h - v|^2 / 2}: the paper's ablation. */
  EUCLIDEAN
}
