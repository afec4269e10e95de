package dev.spela.runtime.kernels;

import dev.spela.protocols.image.ModelImage;

/**
 * Fixed-point building blocks of a SPELA layer step (device-runtime/NUMERICS.md gives the formats
 * and the proofs that nothing overflows). Inner loops are plain contiguous array loops over the
 * output dimension, so an interpreter runs them as simple bytecode and a JIT can vectorise them.
 * Weights are input-major: row i (input i) holds the weights to all outputs, contiguous.
 */
public final class DenseKernels {

    /** Returned by {@link #reluScaled} when every output is zero. */
    public static final int NO_ACTIVITY = Integer.MIN_VALUE;
    /** Largest value of a scaled output: outputs are block-scaled so their maximum is in [2^14, 2^15]. */
    public static final int OUTPUT_ONE = 1 << 15;
    /** Row offsets into the noise table are taken modulo this; the table holds NOISE_RING + width values. */
    public static final int NOISE_RING = 1024;
    /** Noise values are uniform in [0, 2^NOISE_BITS); round-to-nearest uses 2^(NOISE_BITS-1) everywhere. */
    public static final int NOISE_BITS = 30;
    public static final int NOISE_MASK = (1 << NOISE_BITS) - 1;
    private static final int RECIPROCAL_BITS = 45;
    private static final int Q15_BITS = 15;

    private DenseKernels() {}

    /**
     * Writes {@code src[0..n)} (non-negative, each at most 2^15) divided by its Euclidean norm into
     * {@code dst} with {@code fracBits} fraction bits, never above 32767. The norm used is the
     * ceiling of the true norm, so the result never exceeds a unit vector.
     *
     * @return that norm, or 0 if the vector is zero (then {@code dst} is all zero)
     */
    public static int normalise(int[] src, int n, short[] dst, int fracBits) {
        long sumSquares = 0;
        for (int i = 0; i < n; i++) {
            long v = src[i];
            sumSquares += v * v;
        }
        if (sumSquares == 0) {
            for (int i = 0; i < n; i++) {
                dst[i] = 0;
            }
            return 0;
        }
        long norm = ModelImage.ceilSqrt(sumSquares);
        long reciprocal = (1L << RECIPROCAL_BITS) / norm;
        int shift = RECIPROCAL_BITS - fracBits;
        long half = 1L << (shift - 1);
        for (int i = 0; i < n; i++) {
            long v = (src[i] * reciprocal + half) >> shift;
            dst[i] = (short) Math.min(v, Short.MAX_VALUE);
        }
        return (int) norm;
    }

    /**
     * {@code acc[j] = bias[biasOffset + j] + sum_i w[wOffset + i * out + j] * x[i]}; zero inputs are
     * skipped. The caller guarantees |w| <= 2^14, |bias| <= 2^30 and x a unit vector with at most
     * {@code maxInputFracBits(in)} fraction bits, which keeps every partial sum inside int32.
     */
    public static void forward(short[] w, int wOffset, int in, int out, short[] x, int[] bias, int biasOffset,
            int[] acc) {
        System.arraycopy(bias, biasOffset, acc, 0, out);
        for (int i = 0; i < in; i++) {
            int xi = x[i];
            if (xi == 0) {
                continue;
            }
            int row = wOffset + i * out;
            for (int j = 0; j < out; j++) {
                acc[j] += w[row + j] * xi;
            }
        }
    }

    /**
     * {@code h[j] = max(acc[j], 0)} block-scaled by a power of two so that the largest lies in
     * [2^14, 2^15] (rounded to nearest when scaling down).
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
        if (shift > 0) {
            int half = 1 << (shift - 1);
            for (int j = 0; j < out; j++) {
                int a = acc[j];
                h[j] = a > 0 ? (int) (((long) a + half) >> shift) : 0;
            }
        } else {
            for (int j = 0; j < out; j++) {
                int a = acc[j];
                h[j] = a > 0 ? a << -shift : 0;
            }
        }
        return shift;
    }

    /**
     * Q15 cosine between output {@code h} (with the given norm, as from {@link #normalise}'s
     * sum-of-squares rule) and prior {@code c}: {@code (h . v_c) / (norm * 2^15) * 2^15}.
     */
    public static int cosine(int[] h, int out, long reciprocalNorm, short[] priors, int priorOffset) {
        long dot = 0;
        for (int j = 0; j < out; j++) {
            dot += (long) h[j] * priors[priorOffset + j];
        }
        // |dot| <= norm * 2^15 (Cauchy-Schwarz), so dot * (2^45 / norm) stays below 2^61.
        return (int) ((dot * reciprocalNorm + (1L << (RECIPROCAL_BITS - 1))) >> RECIPROCAL_BITS);
    }

    /** {@code 2^45 / norm}, the reciprocal {@link #cosine} and {@link #gradient} use. */
    public static long reciprocal(int norm) {
        return (1L << RECIPROCAL_BITS) / norm;
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
     * {@code u = h / norm} and {@code c = cos(h, v)} in Q15. This is minus the gradient of
     * {@code -cos(h, v)} with respect to the pre-activation, times the norm.
     *
     * @return the largest |d_j| (at most 2^16)
     */
    public static int direction(int[] acc, int[] h, int out, long reciprocalNorm, short[] priors, int priorOffset,
            int cosineQ15) {
        int maxAbs = 0;
        for (int j = 0; j < out; j++) {
            int d = 0;
            if (acc[j] > 0) {
                long u = (h[j] * reciprocalNorm + (1L << 29)) >> 30;
                d = priors[priorOffset + j] - (int) ((cosineQ15 * u + (1 << 14)) >> Q15_BITS);
            }
            acc[j] = d;
            maxAbs = Math.max(maxAbs, Math.abs(d));
        }
        return maxAbs;
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
     * Rank-one update {@code w[i][j] += (g[j] * x[i] + r) >> shift}, saturated to int16, for every
     * non-zero input i. The rounding offset is {@code r = ((noise[o + j] + t) mod 2^30) >>> noiseShift}
     * with a random ring offset o and a random rotation t drawn per row ({@code t = 0} when
     * {@code rotationMask} is 0). A uniformly random rotation makes every offset exactly uniform,
     * whatever the ring holds, so stochastic rounding is unbiased; the ring only decorrelates
     * neighbouring outputs. Requires |g| <= 2^14, x <= 2^15, 1 <= shift <= 30 and
     * {@code noiseShift = 30 - shift}, so that the sum stays inside int32.
     *
     * @return the advanced xorshift state
     */
    public static int update(short[] w, int wOffset, int in, int out, short[] x, int[] g, int shift, int[] noise,
            int noiseShift, int rotationMask, int rng) {
        int state = rng;
        for (int i = 0; i < in; i++) {
            int xi = x[i];
            if (xi == 0) {
                continue;
            }
            state = xorshift(state);
            int o = state & (NOISE_RING - 1);
            state = xorshift(state);
            int t = state & rotationMask;
            int row = wOffset + i * out;
            for (int j = 0; j < out; j++) {
                int r = ((noise[o + j] + t) & NOISE_MASK) >>> noiseShift;
                int v = w[row + j] + ((g[j] * xi + r) >> shift);
                w[row + j] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
            }
        }
        return state;
    }

    /**
     * Bias update {@code b[j] += (g[j] * 2^inputShift + r) >> shift}, saturated to +-2^30, with
     * {@code r = ((noise[noiseOffset + j] + rotation) mod 2^30) >>> noiseShift} as in {@link #update}.
     * The bias acts as a weight whose input is 1.0, and its scale is 2^inputShift finer than the
     * weight-times-input products.
     */
    public static void updateBias(int[] b, int bOffset, int out, int[] g, int inputShift, int shift, int[] noise,
            int noiseOffset, int rotation, int noiseShift) {
        for (int j = 0; j < out; j++) {
            int r = ((noise[noiseOffset + j] + rotation) & NOISE_MASK) >>> noiseShift;
            long v = b[bOffset + j] + (((long) g[j] << inputShift) + r >> shift);
            b[bOffset + j] = (int) Math.max(-ModelImage.MAX_ABS_BIAS, Math.min(ModelImage.MAX_ABS_BIAS, v));
        }
    }

    /** Largest |w| over {@code w[offset..offset+n)}. */
    public static int maxAbs(short[] w, int offset, int n) {
        int max = 0;
        for (int k = offset; k < offset + n; k++) {
            max = Math.max(max, Math.abs(w[k]));
        }
        return max;
    }

    /** Clamps {@code w[offset..offset+n)} to [-limit, limit]. */
    public static void clamp(short[] w, int offset, int n, int limit) {
        for (int k = offset; k < offset + n; k++) {
            w[k] = (short) Math.max(-limit, Math.min(limit, w[k]));
        }
    }

    /** Halves {@code w[offset..offset+n)} in place, rounding half to even (no drift either way). */
    public static void halve(short[] w, int offset, int n) {
        for (int k = offset; k < offset + n; k++) {
            int v = w[k];
            w[k] = (short) ((v + ((v >> 1) & 1)) >> 1);
        }
    }

    /** Halves {@code b[offset..offset+n)} in place, rounding half to even. */
    public static void halve(int[] b, int offset, int n) {
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
