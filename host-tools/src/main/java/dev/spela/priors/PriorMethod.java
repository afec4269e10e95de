package dev.spela.priors;

/** How the class vectors of a layer are placed on the unit sphere. */
public enum PriorMethod {
  /**
   * Minimum of the Riesz s=1 (electrostatic) energy: the paper's method; a regular simplex when
   * classes <= dim + 1.
   */
  RIESZ,
  /** Independent Gaussian directions: the paper's ablation. */
  RANDOM;

  /** The priors of this method; same arguments, same vectors. */
  public Priors generate(int classes, int dim, long seed) {
    return this == RIESZ ? Priors.riesz(classes, dim, seed) : Priors.random(classes, dim, seed);
  }
}
