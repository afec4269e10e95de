package dev.spela.runtime.kernels;

/**
 * The softmax loss over cosines in integers (device-runtime/NUMERICS.md, "Softmax over cosines"):
 * the exponential of a logit difference, the error-weighted mix of class vectors, and the update
 * direction it gives. No tables: {@code 2^-f} is a polynomial, so the runtime's memory plan does not
 * change.
 */
public final class Softmax {

  /** log2(e) in Q15. */
  private static final long LOG2_E_Q15 = 47274;

  /** ln(2) in Q15. */
  private static final long LN_2_Q15 = 22713;

  private static final long ONE_Q30 = 1L << 30;

  private Softmax() {}

  /**
   * {@code exp(difference * inverseTemperature)} in Q15, for a Q15 cosine difference {@code <= 0}
   * and 1 / T in Q8 (at most 2^16): 2^15 for a difference of 0, within one LSB of the real value
   * otherwise, 0 once it falls below half an LSB. A positive difference counts as 0.
   */
  public static int exponential(int difference, int inverseTemperatureQ8) {
    if (difference >= 0) {
      return 1 << 15;
    }
    // -y = -difference / T in Q15 (|difference| <= 2^16, 1/T <= 2^8 in Q8: below 2^24), then in
    // powers of two: z = -y * log2(e) = k + f with f in [0, 1) in Q15.
    long logit = ((long) -difference * inverseTemperatureQ8 + (1 << 7)) >> 8;
    long z = (logit * LOG2_E_Q15 + (1 << 14)) >> 15;
    long k = z >> 15;
    if (k > 15) {
      return 0;
    }
    // 2^-f = exp(-x), x = f ln 2 in [0, 0.694), by its Taylor polynomial of degree 6 in Horner form
    // (error below x^7 / 7! < 1.6e-5, half an LSB of Q15), in Q30.
    long x = (z & 0x7FFF) * LN_2_Q15;
    long r = ONE_Q30 - x / 6;
    r = ONE_Q30 - ((x * r) >> 30) / 5;
    r = ONE_Q30 - ((x * r) >> 30) / 4;
    r = ONE_Q30 - ((x * r) >> 30) / 3;
    r = ONE_Q30 - ((x * r) >> 30) / 2;
    r = ONE_Q30 - ((x * r) >> 30);
    int shift = 15 + (int) k;
    return (int) ((r + (1L << (shift - 1))) >> shift);
  }

  /**
   * Adds {@code error * v} to {@code target[0..out)} in Q29: {@code error} a Q15 softmax error
   * (|e| <= 2^15), {@code v = prior[offset..offset+out)} a Q15 unit vector. Summed over classes,
   * {@code sum |e_c| <= 2^16}, so every entry stays within 2^30.
   */
  public static void accumulate(int[] target, int out, int error, short[] prior, int offset) {
    for (int j = 0; j < out; j++) {
      target[j] += (error * prior[offset + j]) >> 1;
    }
  }

  /**
   * Replaces the pre-activations in {@code acc} by the softmax update direction {@code D_j = (w *
   * u_j >> 15) - t_j} where the unit is active ({@code acc[j] > 0}) and 0 elsewhere, with {@code u
   * = h / norm} in Q15 as in {@link DenseKernels#direction}, {@code t = target} (Q29, from {@link
   * #accumulate}) in Q15 and {@code w} the Q15 error-weighted cosine sum (|w| <= 2^16). This is
   * minus the loss's gradient with respect to the pre-activation, times {@code norm * T}.
   *
   * @return the largest |D_j| (at most 2^17)
   */
  public static int direction(int[] acc, int[] h, int out, int norm, int[] target, int w) {
    if (norm <= 0) {
      return 0; // never (norm >= 2^14); shows the subset check the division below cannot throw
    }
    int m = DenseKernels.unitShift(norm);
    int r = DenseKernels.unitFactor(norm, m);
    int maxAbs = 0;
    for (int j = 0; j < out; j++) {
      int u = DenseKernels.unit(h[j], r, m);
      int d = (int) (((long) w * u + (1 << 14)) >> 15) - ((target[j] + (1 << 13)) >> 14);
      d &= -acc[j] >> 31;
      acc[j] = d;
      maxAbs = Math.max(maxAbs, Math.abs(d));
    }
    return maxAbs;
  }
}
