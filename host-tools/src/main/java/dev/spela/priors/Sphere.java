package dev.spela.priors;

import org.apache.commons.math3.random.RandomGenerator;

/**
 * Helpers shared by both prior methods for points on the unit sphere, stored as rows of one array.
 */
final class Sphere {
  private Sphere() {}

  /** Independent standard normal values: as rows, uniformly random directions. */
  static double[] gaussian(int length, RandomGenerator random) {
    double[] values = new double[length];
    for (int k = 0; k < length; k++) {
      values[k] = random.nextGaussian();
    }
    return values;
  }

  /** Scales each row of length {@code width} to unit length. */
  static void normaliseRows(double[] x, int width) {
    for (int offset = 0; offset < x.length; offset += width) {
      normaliseRow(x, offset, width);
    }
  }

  /** Scales {@code x[offset, offset + width)} to unit length. */
  static void normaliseRow(double[] x, int offset, int width) {
    double s = 0;
    for (int k = offset; k < offset + width; k++) {
      s += x[k] * x[k];
    }
    double inv = 1 / Math.sqrt(s);
    for (int k = offset; k < offset + width; k++) {
      x[k] *= inv;
    }
  }
}
