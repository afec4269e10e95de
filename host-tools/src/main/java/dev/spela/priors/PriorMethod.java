package dev.spela.priors;

/** How the class vectors of a layer are placed on the unit sphere. */
public enum PriorMethod {
  /**
   * Minimum of the Riesz s=1 (electrostatic) energy: the paper's method; a regular simplex when
   * classes <= dim + 1.
   */
  RIESZ,
  /** Independent Gaussian directions: the paper's ablation. */
  RANDOM,
  /** Non-negative: every unit on for a random half of the classes, so a ReLU output can match them. */
  BINARY,
  /** Non-negative and orthogonal: every unit belongs to one class. */
  BLOCKS;

  /** The priors of this method; same arguments, same vectors. */
  public Priors generate(int classes, int dim, long seed) {
    return switch (this) {
      case RIESZ -> Priors.riesz(classes, dim, seed);
      case RANDOM -> Priors.random(classes, dim, seed);
      case BINARY -> Priors.binary(classes, dim, seed);
      case BLOCKS -> Priors.blocks(classes, dim, seed);
    };
  }
}
