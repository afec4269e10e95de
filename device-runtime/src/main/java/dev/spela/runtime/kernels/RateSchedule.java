package dev.spela.runtime.kernels;

/**
 * The learning rate of a step under the image's schedule (device-runtime/NUMERICS.md, "Rate
 * schedule"): the cosine decay {@code L * (1 + cos(pi * n / N)) / 2}, computed as {@code L *
 * cos^2(pi n / 2N)} with a polynomial in long, no table.
 */
public final class RateSchedule {

  private static final int Q30_BITS = 30;
  private static final long ONE_Q30 = 1L << Q30_BITS;

  /** pi / 2 in Q30. */
  private static final long HALF_PI_Q30 = 1686629713L;

  private RateSchedule() {}

  /**
   * The Q24 rate of step {@code step} (0-based) of a cosine decay of {@code rate} over {@code
   * steps} steps, rounded to nearest: {@code rate} at step 0, 0 (no update) from step {@code
   * steps} on.
   */
  public static int cosine(int rate, long step, int steps) {
    if (steps <= 0 || step >= steps) {
      return 0;
    }
    if (step <= 0) {
      return rate;
    }
    // theta = pi / 2 * step / steps in [0, pi / 2), Q30; step < 2^31, so step << 30 < 2^61.
    long theta = (((step << Q30_BITS) / steps) * HALF_PI_Q30) >> Q30_BITS;
    long z = (theta * theta) >> Q30_BITS;
    // cos(theta) by its Taylor polynomial of degree 12 in Horner form (error below theta^14 / 14!
    // < 6.4e-9 on [0, pi / 2), a tenth of a unit of the largest Q24 rate), every factor in [0, 1]
    // in Q30.
    long c = ONE_Q30 - z / 132;
    c = ONE_Q30 - ((z * c) >> Q30_BITS) / 90;
    c = ONE_Q30 - ((z * c) >> Q30_BITS) / 56;
    c = ONE_Q30 - ((z * c) >> Q30_BITS) / 30;
    c = ONE_Q30 - ((z * c) >> Q30_BITS) / 12;
    c = ONE_Q30 - ((z * c) >> Q30_BITS) / 2;
    long factor = (Math.max(0, c) * Math.max(0, c)) >> Q30_BITS;
    return (int) ((rate * factor + (ONE_Q30 >> 1)) >> Q30_BITS);
  }
}
