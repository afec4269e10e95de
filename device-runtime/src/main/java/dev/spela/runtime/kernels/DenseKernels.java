package dev.spela.runtime.kernels;

import dev.spela.protocols.image.ModelImage;

/**
 * Fixed-point building blocks of a SPELA layer step (device-runtime/NUMERICS.md gives the formats
 * and the proofs that nothing overflows; its "Kernels" section the loop shapes and why).
 *
 * <p>Weights are int16 stored as <em>input pairs</em>: row p of a layer holds, for every output j,
 * one int {@code pack(w[2p][j], w[2p+1][j])} (low half: input 2p, high half: input 2p+1; a missing
 * last input of an odd-sized layer has weight 0). Each row is its own array, so inner loops run
 * with every int array indexed from 0 and contain only int arithmetic on arrays HotSpot can tell
 * apart: its SuperWord vectoriser then uses SIMD, while an interpreter runs the same loops as plain
 * bytecode.
 */
public final class DenseKernels {

  /** Returned by {@link #reluScaled} when every output is zero. */
  public static final int NO_ACTIVITY = Integer.MIN_VALUE;

  /**
   * Largest value of a scaled output: outputs are block-scaled so their maximum is in [2^14, 2^15].
   */
  public static final int OUTPUT_ONE = 1 << 15;

  /**
   * Per-step window offsets into the noise ring are taken modulo this; the ring holds NOISE_RING +
   * width values.
   */
  public static final int NOISE_RING = 1024;

  /** Noise values are 32-bit words, uniform for stochastic rounding, 2^31 for round-to-nearest. */
  public static final int NEAREST_NOISE = Integer.MIN_VALUE;

  /**
   * Rotation mask of stochastic rounding: any 32-bit rotation; round-to-nearest uses 0 (no
   * rotation).
   */
  public static final int STOCHASTIC_ROTATION = -1;

  /** Largest update shift S: then |g x| + r < 2^29 + 2^30 fits an int. */
  public static final int MAX_SHIFT = 30;

  private static final int LOW_MASK = 0xFFFF;
  private static final int HIGH_MASK = 0xFFFF0000;
  private static final int RECIPROCAL_BITS = 45;
  private static final int Q15_BITS = 15;

  private DenseKernels() {}

  /**
   * Writes {@code src[0..n)} (non-negative, each at most 2^15) divided by its Euclidean norm into
   * {@code dst} as input pairs, {@code dst[p] = pack(x[2p], x[2p+1])} (a missing last input is 0),
   * with {@code fracBits} fraction bits, never above 32767. The norm used is the ceiling of the
   * true norm, so the result never exceeds a unit vector.
   *
   * @return that norm, or 0 if the vector is zero (then {@code dst} is all zero)
   */
  public static int normalise(int[] src, int n, int[] dst, int fracBits) {
    long sumSquares = 0;
    for (int i = 0; i < n; i++) {
      long v = src[i];
      sumSquares += v * v;
    }
    int pairs = pairs(n);
    // Tested on the norm (0 exactly for a zero vector), which shows the subset check the division
    // below cannot throw.
    long norm = ModelImage.ceilSqrt(sumSquares);
    if (norm == 0) {
      for (int p = 0; p < pairs; p++) {
        dst[p] = 0;
      }
      return 0;
    }
    long reciprocal = (1L << RECIPROCAL_BITS) / norm;
    int shift = RECIPROCAL_BITS - fracBits;
    for (int p = 0; p < n >> 1; p++) {
      dst[p] =
          pack(
              quantise(src[2 * p], reciprocal, shift), quantise(src[2 * p + 1], reciprocal, shift));
    }
    if ((n & 1) != 0) {
      dst[n >> 1] = quantise(src[n - 1], reciprocal, shift);
    }
    return (int) norm;
  }

  /**
   * {@code v * reciprocal * 2^-shift} rounded to nearest, at most 32767; 0 without the long
   * arithmetic for v = 0 (most pixels; the ReLU units that are off), which is what it gives.
   */
  private static int quantise(int v, long reciprocal, int shift) {
    if (v == 0) {
      return 0;
    }
    return (int) Math.min((v * reciprocal + (1L << (shift - 1))) >> shift, Short.MAX_VALUE);
  }

  /**
   * Writes the indices of the pairs of {@code x[0..pairs)} with a non-zero input, in order, to
   * {@code active} (at least {@code pairs} long) and returns their number. Branch-free: a packed
   * pair of non-negative inputs is a non-negative int, non-zero exactly when {@code -x >>> 31} is
   * 1.
   */
  public static int activePairs(int[] x, int pairs, int[] active) {
    int count = 0;
    for (int p = 0; p < pairs; p++) {
      active[count] = p;
      count += -x[p] >>> 31;
    }
    return count;
  }

  /** The largest input of the packed pairs {@code x[0..pairs)} (inputs are non-negative). */
  public static int largestInput(int[] x, int pairs) {
    int max = 0;
    for (int p = 0; p < pairs; p++) {
      max = Math.max(max, Math.max(low(x[p]), high(x[p])));
    }
    return max;
  }

  /** Number of input pairs (rows) of a layer with {@code inputs} inputs. */
  public static int pairs(int inputs) {
    return (inputs + 1) >> 1;
  }

  /** Packs two int16 weights into one int: {@code low} in bits 0-15, {@code high} in bits 16-31. */
  public static int pack(int low, int high) {
    return (high << 16) | (low & LOW_MASK);
  }

  /**
   * The packed pair {@code v} with {@code d0} added to its low half (modulo 2^16) and {@code d1}
   * to its high half: the high half is {@code v + (d1 << 16)}'s (the addition leaves the low
   * bits alone), the low half {@code v + d0}'s, merged by xor: the same bits as the dense loops'
   * {@code ((v & HIGH_MASK) + (d1 << 16)) | ((v + d0) & LOW_MASK)} with one register fewer, which
   * in the firmware's gathered update saves a reload a weight pair. The dense loops keep the form
   * HotSpot's vectorised loops were measured with.
   */
  private static int addHalves(int v, int d0, int d1) {
    int high = v + (d1 << 16);
    return high ^ ((high ^ (v + d0)) & LOW_MASK);
  }

  /** The weight of the pair's even input. */
  public static int low(int packed) {
    return packed << 16 >> 16;
  }

  /** The weight of the pair's odd input. */
  public static int high(int packed) {
    return packed >> 16;
  }

  /**
   * {@code acc[j] = bias[biasOffset + j] + sum_i w_ij * x[i]} over the rows of packed weights
   * {@code rows[firstRow..]} (input-major: row p holds pair p for every output, each row at least
   * {@code out} long) of the {@code count} pairs listed in {@code active} (those with a non-zero
   * input, from {@link #activePairs}; the others add nothing). {@code x} holds the inputs as packed
   * pairs (as {@link #normalise} writes them). The caller guarantees |w| <= 2^14, |bias| <= 2^30
   * and x a unit vector with at most {@code maxInputFracBits(in)} fraction bits, which keeps every
   * partial sum inside int32.
   *
   * @return the largest input (it bounds the update's change of any weight)
   */
  public static int forward(
      int[][] rows,
      int firstRow,
      int[] active,
      int count,
      int out,
      int[] x,
      int[] bias,
      int biasOffset,
      int[] acc) {
    System.arraycopy(bias, biasOffset, acc, 0, out);
    int maxInput = 0;
    // Two input pairs per pass over acc: half the accumulator traffic (int sums wrap exactly, so
    // the order of the additions does not change a bit). An odd last pair goes with weight 0.
    for (int k = 0; k < count; k += 2) {
      int p = active[k];
      int q = k + 1 < count ? active[k + 1] : p;
      int xp = x[p];
      int xq = k + 1 < count ? x[q] : 0;
      maxInput = Math.max(maxInput, Math.max(largest(xp), largest(xq)));
      forwardRows(rows[firstRow + p], rows[firstRow + q], out, xp, xq, acc);
    }
    return maxInput;
  }

  /**
   * {@code acc[j] += low(row[j]) * x0 + high(row[j]) * x1}: one row of {@link #forward}, for a row
   * read from flash (a frozen layer's).
   */
  public static void forwardRow(int[] row, int out, int x0, int x1, int[] acc) {
    forwardRows(row, row, out, pack(x0, x1), 0, acc);
  }

  /** The larger of a packed pair's two (non-negative) inputs. */
  private static int largest(int pair) {
    return Math.max(low(pair), high(pair));
  }

  /**
   * {@code acc[j] += low(a[j]) * low(xa) + high(a[j]) * high(xa) + low(b[j]) * low(xb) + high(b[j])
   * * high(xb)}: the inner loop of {@link #forward}, over two rows of input pairs. Every array is at
   * least {@code out} long (the caller's contract; otherwise nothing is added). The early return and
   * the guard, always true after it, are for the firmware (NUMERICS.md, "Kernels on the firmware"):
   * the guard lets TeaVM prove every index in bounds, and the return lets gcc drop the guard.
   */
  private static void forwardRows(int[] a, int[] b, int out, int xa, int xb, int[] acc) {
    int aLength = a.length;
    int bLength = b.length;
    int accLength = acc.length;
    if (out > aLength || out > bLength || out > accLength) {
      return;
    }
    int a0 = low(xa);
    int a1 = high(xa);
    int b0 = low(xb);
    int b1 = high(xb);
    for (int j = 0; j < out; j++) {
      if (j > -1 && j < aLength && j < bLength && j < accLength) {
        int v = a[j];
        int w = b[j];
        acc[j] += (v << 16 >> 16) * a0 + (v >> 16) * a1 + (w << 16 >> 16) * b0 + (w >> 16) * b1;
      }
    }
  }

  /**
   * {@link #forward} for output-major weights, the layout of narrow layers (where a loop over the
   * outputs is too short for a JIT's vector loop): row j of {@code rows[firstRow..]} holds output
   * j's weights as {@code pairs} packed input pairs, and {@code acc[j]} is one dot product along
   * it. Zero inputs are not skipped (the loop runs over all pairs, vectorised). The same bounds
   * hold: the proof bounds the sum of |w x| in any order.
   */
  public static void forwardOutputMajor(
      int[][] rows,
      int firstRow,
      int pairs,
      int out,
      int[] x,
      int[] bias,
      int biasOffset,
      int[] acc) {
    for (int j = 0; j < out; j++) {
      acc[j] = bias[biasOffset + j] + dot(rows[firstRow + j], x, pairs);
    }
  }

  /**
   * {@code sum_p low(w[p]) * low(x[p]) + high(w[p]) * high(x[p])}: the vectorisable reduction, its
   * return and guard for the firmware as in {@link #forwardRows} (0 if an array is shorter than
   * {@code pairs}).
   */
  private static int dot(int[] w, int[] x, int pairs) {
    int wLength = w.length;
    int xLength = x.length;
    if (pairs > wLength || pairs > xLength) {
      return 0;
    }
    int sum = 0;
    for (int p = 0; p < pairs; p++) {
      if (p > -1 && p < wLength && p < xLength) {
        int v = w[p];
        int u = x[p];
        sum += (v << 16 >> 16) * (u << 16 >> 16) + (v >> 16) * (u >> 16);
      }
    }
    return sum;
  }

  /**
   * {@code h[j] = max(acc[j], 0)} block-scaled by a power of two so that the largest lies in [2^14,
   * 2^15] (rounded to nearest when scaling down).
   *
   * @return the shift s with {@code h = relu(acc) * 2^-s}, or {@link #NO_ACTIVITY} (h all zero)
   */
  public static int reluScaled(int[] acc, int out, int[] h) {
    int max = 0;
    for (int j = 0; j < out; j++) {
      max = Math.max(max, acc[j]);
    }
    if (max == 0) {
      for (int j = 0; j < out; j++) {
        h[j] = 0;
      }
      return NO_ACTIVITY;
    }
    int shift = (32 - Integer.numberOfLeadingZeros(max)) - Q15_BITS;
    // max(a, 0) is a & ~(a >> 31); rounding (a + 2^(s-1)) >> s is ((a >> (s-1)) + 1) >> 1, which
    // cannot wrap
    if (shift > 0) {
      int firstShift = shift - 1;
      for (int j = 0; j < out; j++) {
        int a = acc[j];
        h[j] = (((a & ~(a >> 31)) >> firstShift) + 1) >> 1;
      }
    } else {
      for (int j = 0; j < out; j++) {
        int a = acc[j];
        h[j] = (a & ~(a >> 31)) << -shift;
      }
    }
    return shift;
  }

  /**
   * Q15 cosine between output {@code h} (with the given norm, as from {@link #normalise}'s
   * sum-of-squares rule) and prior {@code c}: {@code (h . v_c) / (norm * 2^15) * 2^15}.
   */
  public static int cosine(int[] h, int out, long reciprocalNorm, short[] priors, int priorOffset) {
    // the return (never taken: the callers' contract) and the guard for the firmware, as in
    // forwardRows
    int hLength = h.length;
    int priorsLength = priors.length;
    if (out > hLength || priorOffset < 0 || priorOffset > priorsLength - out) {
      return 0;
    }
    long dot = 0;
    for (int j = 0; j < out; j++) {
      int at = priorOffset + j;
      if (j > -1 && at > -1 && j < hLength && at < priorsLength) {
        dot += (long) h[j] * priors[at];
      }
    }
    // |dot| <= norm * 2^15 (Cauchy-Schwarz), so dot * (2^45 / norm) stays below 2^61.
    return (int) ((dot * reciprocalNorm + (1L << (RECIPROCAL_BITS - 1))) >> RECIPROCAL_BITS);
  }

  /** {@code 2^45 / norm}, the reciprocal {@link #cosine} and {@link #gradient} use. */
  public static long reciprocal(int norm) {
    // norm >= 2^14 for an active layer; the test makes the VM's ArithmeticException impossible.
    return norm > 0 ? (1L << RECIPROCAL_BITS) / norm : 0;
  }

  /** Euclidean norm of {@code h[0..n)} (each at most 2^15), rounded up; 0 for a zero vector. */
  public static int norm(int[] h, int n) {
    long sumSquares = 0;
    for (int j = 0; j < n; j++) {
      long v = h[j];
      sumSquares += v * v;
    }
    return (int) ModelImage.ceilSqrt(sumSquares);
  }

  /**
   * Replaces the pre-activations in {@code acc} by the Q15 direction of the update of each unit,
   * {@code d_j = v_j - c * u_j} where the unit is active ({@code acc[j] > 0}) and 0 elsewhere, with
   * {@code u = h / norm} and {@code c = cos(h, v)} in Q15. This is minus the gradient of {@code
   * -cos(h, v)} with respect to the pre-activation, times the norm. {@code norm} is h's norm as
   * from {@link #norm}, at least 2^14 (the largest h is, see {@link #reluScaled}).
   *
   * @return the largest |d_j| (at most 2^16)
   */
  public static int direction(
      int[] acc, int[] h, int out, int norm, short[] priors, int priorOffset, int cosineQ15) {
    if (norm <= 0) {
      return 0; // never (norm >= 2^14); shows the subset check the division below cannot throw
    }
    int m = unitShift(norm);
    int r = unitFactor(norm, m);
    int maxAbs = 0;
    for (int j = 0; j < out; j++) {
      int u = unit(h[j], r, m);
      int d = priors[priorOffset + j] - ((cosineQ15 * u + (1 << 14)) >> Q15_BITS);
      // active units (acc > 0; acc > -2^31, so -acc does not wrap) keep d, the others get 0
      d &= -acc[j] >> 31;
      acc[j] = d;
      maxAbs = Math.max(maxAbs, Math.abs(d));
    }
    return maxAbs;
  }

  // u = h * 2^15 / norm as h * r >> (m - 1) with r = 2^(14 + m) / norm in (2^14, 2^15], m the
  // norm's bit length: h <= 2^15 keeps h * r <= 2^30, all in int (NUMERICS.md, "Update").

  /** The bit length m of a norm (at least 2^14) for {@link #unit}. */
  static int unitShift(int norm) {
    return 32 - Integer.numberOfLeadingZeros(norm);
  }

  /** The factor r = 2^(14 + m) / norm for {@link #unit}; 0 for a norm that is not positive. */
  static int unitFactor(int norm, int m) {
    return norm > 0 ? (int) ((1L << (14 + m)) / norm) : 0;
  }

  /** Component h of h / norm in Q15, given {@link #unitShift} and {@link #unitFactor}. */
  static int unit(int h, int r, int m) {
    return (h * r + (1 << (m - 2))) >> (m - 1);
  }

  /**
   * Multiplies every {@code d[j]} by {@code factor} and shifts right by {@code shift} with rounding
   * to nearest, in place: turns directions into the int coefficients of the update.
   */
  public static void scale(int[] d, int out, long factor, int shift) {
    if (shift == 0) {
      for (int j = 0; j < out; j++) {
        d[j] = (int) (d[j] * factor);
      }
      return;
    }
    long half = 1L << (shift - 1);
    for (int j = 0; j < out; j++) {
      d[j] = (int) ((d[j] * factor + half) >> shift);
    }
  }

  /**
   * Rank-one update {@code w_ij += (g[j] * x[i] + r_ij) >> shift} over the rows of packed weights
   * {@code rows[firstRow..]} of the {@code count} pairs listed in {@code active}, as in {@link
   * #forward} (a pair of zero inputs would get {@code (0 + r) >> shift = 0}: unchanged). The
   * rounding offset is {@code r_ij = (noise[j] + t_i) >>> (32 - shift)} with a random 32-bit
   * rotation t_i drawn per input ({@code t = 0} when {@code rotationMask} is 0). A uniformly random
   * rotation makes every offset exactly uniform in [0, 2^shift), whatever {@code noise} holds, so
   * stochastic rounding is unbiased, and independent from input to input; {@code noise} only
   * decorrelates neighbouring outputs. Requires |g| <= 2^14, 0 <= x <= 2^15 - 1 and 1 <= shift <=
   * {@link #MAX_SHIFT}, so that the sum stays inside int32, and that no weight leaves int16 (the
   * caller's bound, NUMERICS.md "Making room"): the halves are added without saturation.
   *
   * @return the advanced xorshift state
   */
  public static int update(
      int[][] rows,
      int firstRow,
      int[] active,
      int count,
      int out,
      int[] x,
      int[] g,
      int shift,
      int[] noise,
      int rotationMask,
      int rng) {
    int state = rng;
    int noiseShift = 32 - shift;
    for (int k = 0; k < count; k++) {
      int p = active[k];
      int xp = x[p];
      int x0 = low(xp);
      int x1 = high(xp);
      state = xorshift(state);
      int t0 = state & rotationMask;
      state = xorshift(state);
      int t1 = state & rotationMask;
      updateRow(rows[firstRow + p], out, x0, x1, g, shift, noise, t0, t1, noiseShift);
    }
    return state;
  }

  /**
   * The vectorisable inner loop of {@link #update}. Each half gets its own change d; the low half
   * is added modulo 2^16 and the high half above it, which is exact while both stay in int16. Its
   * return and guard are for the firmware, as in {@link #forwardRows}.
   */
  private static void updateRow(
      int[] row,
      int out,
      int x0,
      int x1,
      int[] g,
      int shift,
      int[] noise,
      int t0,
      int t1,
      int noiseShift) {
    int rowLength = row.length;
    int gLength = g.length;
    int noiseLength = noise.length;
    if (out > rowLength || out > gLength || out > noiseLength) {
      return;
    }
    for (int j = 0; j < out; j++) {
      if (j > -1 && j < rowLength && j < gLength && j < noiseLength) {
        int gj = g[j];
        int r = noise[j];
        int d0 = (gj * x0 + ((r + t0) >>> noiseShift)) >> shift;
        int d1 = (gj * x1 + ((r + t1) >>> noiseShift)) >> shift;
        int v = row[j];
        row[j] = ((v & HIGH_MASK) + (d1 << 16)) | ((v + d0) & LOW_MASK);
      }
    }
  }

  /**
   * Lists the outputs whose coefficient {@code g[j]} is not zero, in order, as {@code live[m] =
   * (g[j] << 16) | j} ({@code live} at least {@code out} long; |g| <= 2^14 and j < 2^16, the
   * model format's widths), and moves their rounding words to the front of {@code noise}, {@code
   * noise[m] = noise[j]} (in place: the window is no longer the same afterwards), for {@link
   * #updateLive}. An output with a zero coefficient is left unchanged by the update: {@code (0 * x
   * + r) >> shift = 0} as {@code r < 2^shift}.
   *
   * @return the number of outputs listed
   */
  public static int liveOutputs(int[] g, int out, int[] live, int[] noise) {
    int count = 0;
    for (int j = 0; j < out; j++) {
      int gj = g[j];
      if (gj != 0) {
        live[count] = (gj << 16) | j;
        noise[count] = noise[j];
        count++;
      }
    }
    return count;
  }

  /**
   * {@link #update} over only the {@code liveCount} outputs listed by {@link #liveOutputs} (with
   * the noise it moved): the same weights, bit for bit (the others would not change), the same
   * random state. For cores without vector units, where a step costs its number of multiply-adds
   * and about half the units of a ReLU layer are off; a vectorising JIT runs the dense rows of
   * {@link #update} faster.
   *
   * @return the advanced xorshift state
   */
  public static int updateLive(
      int[][] rows,
      int firstRow,
      int[] active,
      int count,
      int[] live,
      int liveCount,
      int[] x,
      int shift,
      int[] liveNoise,
      int rotationMask,
      int rng) {
    int state = rng;
    int noiseShift = 32 - shift;
    for (int k = 0; k < count; k++) {
      int p = active[k];
      int xp = x[p];
      state = xorshift(state);
      int t0 = state & rotationMask;
      state = xorshift(state);
      int t1 = state & rotationMask;
      updateLiveRow(rows[firstRow + p], live, liveCount, xp, shift, liveNoise, t0, t1, noiseShift);
    }
    return state;
  }

  /**
   * The inner loop of {@link #updateLive}: {@link #updateRow} at the listed outputs. The guards
   * are for TeaVM's bounds proof (NUMERICS.md, "Kernels on the firmware"): gcc folds the list's
   * after the early return, not the row's (its index comes from the list). The list's opens with
   * the early return's comparison (folded) so that {@code k > -1} is not its first.
   */
  private static void updateLiveRow(
      int[] row,
      int[] live,
      int liveCount,
      int xp,
      int shift,
      int[] liveNoise,
      int t0,
      int t1,
      int noiseShift) {
    int rowLength = row.length;
    int liveLength = live.length;
    int noiseLength = liveNoise.length;
    if (liveCount > liveLength || liveCount > noiseLength) {
      return;
    }
    int x0 = low(xp);
    int x1 = high(xp);
    for (int k = 0; k < liveCount; k++) {
      if (liveCount <= liveLength && k > -1 && k < liveLength && k < noiseLength) {
        int entry = live[k];
        int r = liveNoise[k];
        int j = entry & LOW_MASK;
        if (j > -1 && j < rowLength) {
          int gj = entry >> 16;
          int d0 = (gj * x0 + ((r + t0) >>> noiseShift)) >> shift;
          int d1 = (gj * x1 + ((r + t1) >>> noiseShift)) >> shift;
          int v = row[j];
          row[j] = addHalves(v, d0, d1);
        }
      }
    }
  }

  /**
   * {@link #update} for output-major weights (see {@link #forwardOutputMajor}): row j gets {@code
   * w_ij += (g[j] * x[i] + r_ij) >> shift} along its pairs, skipping outputs whose coefficient is
   * zero (inactive units: {@code (0 + r) >> shift = 0}). The roles of inputs and outputs in the
   * rounding are swapped: {@code r_ij = (noise[p] + t_j) >>> (32 - shift)} with random rotations
   * t_j per output (one for each half of the pairs), so the offsets are again exactly uniform and
   * independent from output to output. {@code noise} has {@code pairs} words.
   *
   * @return the advanced xorshift state
   */
  public static int updateOutputMajor(
      int[][] rows,
      int firstRow,
      int pairs,
      int out,
      int[] x,
      int[] g,
      int shift,
      int[] noise,
      int rotationMask,
      int rng) {
    int state = rng;
    int noiseShift = 32 - shift;
    for (int j = 0; j < out; j++) {
      int gj = g[j];
      if (gj == 0) {
        continue;
      }
      state = xorshift(state);
      int t0 = state & rotationMask;
      state = xorshift(state);
      int t1 = state & rotationMask;
      updateColumn(rows[firstRow + j], pairs, gj, x, shift, noise, t0, t1, noiseShift);
    }
    return state;
  }

  /**
   * The vectorisable inner loop of {@link #updateOutputMajor}, halves added as in {@link
   * #updateRow}, its return and guard for the firmware as in {@link #forwardRows}.
   */
  private static void updateColumn(
      int[] row,
      int pairs,
      int g,
      int[] x,
      int shift,
      int[] noise,
      int t0,
      int t1,
      int noiseShift) {
    int rowLength = row.length;
    int xLength = x.length;
    int noiseLength = noise.length;
    if (pairs > rowLength || pairs > xLength || pairs > noiseLength) {
      return;
    }
    for (int p = 0; p < pairs; p++) {
      if (p > -1 && p < rowLength && p < xLength && p < noiseLength) {
        int u = x[p];
        int r = noise[p];
        int d0 = (g * (u << 16 >> 16) + ((r + t0) >>> noiseShift)) >> shift;
        int d1 = (g * (u >> 16) + ((r + t1) >>> noiseShift)) >> shift;
        int v = row[p];
        row[p] = ((v & HIGH_MASK) + (d1 << 16)) | ((v + d0) & LOW_MASK);
      }
    }
  }

  /**
   * Bias update {@code b[j] += (g[j] * 2^inputShift + r) >> shift}, saturated to +-2^30, with
   * {@code r = (noise[j] + rotation) >>> (32 - shift)} as in {@link #update}. The bias acts as a
   * weight whose input is 1.0, and its scale is 2^inputShift finer than the weight-times-input
   * products. Computed in int as {@code (g[j] + r') >> (shift - inputShift)} with {@code r' = r >>
   * inputShift = (noise[j] + rotation) >>> (32 - shift + inputShift)}, which is exactly the same
   * (the low bits of r cannot carry into g * 2^inputShift); when {@code shift <= inputShift} the
   * change is exactly {@code g[j] << (inputShift - shift)}.
   */
  public static void updateBias(
      int[] b,
      int bOffset,
      int out,
      int[] g,
      int inputShift,
      int shift,
      int[] noise,
      int rotation) {
    int fineShift = shift - inputShift;
    int limit = ModelImage.MAX_ABS_BIAS;
    if (fineShift < 1) {
      for (int j = 0; j < out; j++) {
        long v = b[bOffset + j] + ((long) g[j] << -fineShift);
        b[bOffset + j] = (int) Math.max(-limit, Math.min(limit, v));
      }
      return;
    }
    // |g| <= 2^14 and r' < 2^fineShift <= 2^30: the sum fits, and |b| <= 2^30 plus a change of at
    // most 2^14 too
    int noiseShift = 32 - fineShift;
    for (int j = 0; j < out; j++) {
      int change = (g[j] + ((noise[j] + rotation) >>> noiseShift)) >> fineShift;
      b[bOffset + j] = Math.max(-limit, Math.min(limit, b[bOffset + j] + change));
    }
  }

  /**
   * Largest |weight| over the {@code count} packed rows {@code rows[firstRow..]}, {@code length}
   * ints each.
   */
  public static int maxAbs(int[][] rows, int firstRow, int count, int length) {
    int max = 0;
    for (int p = firstRow; p < firstRow + count; p++) {
      int[] row = rows[p];
      for (int j = 0; j < length; j++) {
        int v = row[j];
        max = Math.max(max, Math.max(Math.abs(low(v)), Math.abs(high(v))));
      }
    }
    return max;
  }

  /** Clamps every weight of the packed rows (as in {@link #maxAbs}) to [-limit, limit]. */
  public static void clamp(int[][] rows, int firstRow, int count, int length, int limit) {
    for (int p = firstRow; p < firstRow + count; p++) {
      int[] row = rows[p];
      for (int j = 0; j < length; j++) {
        int v = row[j];
        row[j] =
            pack(
                Math.max(-limit, Math.min(limit, low(v))),
                Math.max(-limit, Math.min(limit, high(v))));
      }
    }
  }

  /**
   * Halves every weight of the packed rows (as in {@link #maxAbs}), rounding half to even (no
   * drift).
   */
  public static void halveWeights(int[][] rows, int firstRow, int count, int length) {
    for (int p = firstRow; p < firstRow + count; p++) {
      int[] row = rows[p];
      for (int j = 0; j < length; j++) {
        int v = row[j];
        row[j] = pack(halfToEven(low(v)), halfToEven(high(v)));
      }
    }
  }

  /** {@code v / 2} rounded half to even, for v in int16. */
  public static int halfToEven(int v) {
    return (v + ((v >> 1) & 1)) >> 1;
  }

  /** Halves the biases {@code b[offset..offset+n)} in place, rounding half to even. */
  public static void halveBiases(int[] b, int offset, int n) {
    for (int k = offset; k < offset + n; k++) {
      int v = b[k];
      b[k] = (int) (((long) v + ((v >> 1) & 1)) >> 1);
    }
  }

  /** Marsaglia xorshift32; state must be non-zero and stays non-zero. */
  public static int xorshift(int state) {
    int s = state ^ (state << 13);
    s ^= s >>> 17;
    return s ^ (s << 5);
  }
}
