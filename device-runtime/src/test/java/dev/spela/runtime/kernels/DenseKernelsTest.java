package dev.spela.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseKernelsTest {

    private static int[] uniformNoise(long seed) {
        Random random = new Random(seed);
        int[] noise = new int[DenseKernels.NOISE_RING + 64];
        for (int k = 0; k < noise.length; k++) {
            noise[k] = random.nextInt(1 << DenseKernels.NOISE_BITS);
        }
        return noise;
    }

    @Test
    void stochasticRoundingKeepsUpdatesFarBelowOneLsbInExpectation() {
        // g * x * 2^-S = 3 * 1000 / 2^16 = 0.0458 LSB per step: nearest rounding would drop all of it.
        int out = 64;
        int shift = 16;
        short[] w = new short[out];
        short[] x = {1000};
        int[] g = new int[out];
        java.util.Arrays.fill(g, 3);
        g[1] = -3;
        int[] noise = uniformNoise(1);
        int rng = 12345;
        int steps = 20_000;
        for (int s = 0; s < steps; s++) {
            rng = DenseKernels.update(w, 0, 1, out, x, g, shift, noise, DenseKernels.NOISE_BITS - shift,
                    DenseKernels.NOISE_MASK, rng);
        }
        double expected = steps * 3 * 1000 / 65536.0; // 915.5
        double mean = 0;
        for (int j = 2; j < out; j++) {
            mean += w[j];
        }
        mean /= out - 2;
        assertEquals(expected, mean, 0.01 * expected);
        assertEquals(-expected, w[1], 0.1 * expected);

        int[] nearest = new int[noise.length];
        java.util.Arrays.fill(nearest, 1 << (DenseKernels.NOISE_BITS - 1));
        short[] w2 = new short[out];
        for (int s = 0; s < 1000; s++) {
            DenseKernels.update(w2, 0, 1, out, x, g, shift, nearest, DenseKernels.NOISE_BITS - shift, 0, rng);
        }
        assertEquals(0, w2[5], "round-to-nearest loses sub-half-LSB updates");
    }

    @Test
    void biasUpdateIsUnbiasedToo() {
        int[] b = new int[8];
        int[] g = {1, 1, 1, 1, 1, 1, 1, 1};
        int[] noise = uniformNoise(2);
        Random random = new Random(3);
        // 1 * 2^4 / 2^10 = 1/64 LSB per step
        for (int s = 0; s < 64_000; s++) {
            DenseKernels.updateBias(b, 0, 8, g, 4, 10, noise, random.nextInt(DenseKernels.NOISE_RING),
                    random.nextInt(1 << DenseKernels.NOISE_BITS), 20);
        }
        // each bias: binomial(64000, 1/64), sd 31
        for (int v : b) {
            assertEquals(1000, v, 100);
        }
    }

    @Test
    void updatesSaturateInsteadOfWrapping() {
        short[] w = {32000, -32000};
        DenseKernels.update(w, 0, 1, 2, new short[] {1 << 12}, new int[] {1 << 14, -(1 << 14)}, 1,
                new int[DenseKernels.NOISE_RING + 2], 29, 0, 1);
        assertEquals(Short.MAX_VALUE, w[0]);
        assertEquals(Short.MIN_VALUE, w[1]);
    }

    @Test
    void normaliseGivesAUnitVectorNeverAboveOne() {
        int[] src = {3 << 7, 4 << 7, 0, 0};
        short[] dst = new short[4];
        int norm = DenseKernels.normalise(src, 4, dst, 15);
        assertEquals(5 << 7, norm);
        assertEquals(Math.round(0.6 * 32768), dst[0]);
        assertEquals(Math.round(0.8 * 32768), dst[1]);
        int[] single = {1};
        DenseKernels.normalise(single, 1, dst, 15);
        assertEquals(Short.MAX_VALUE, dst[0]);
        assertEquals(0, DenseKernels.normalise(new int[3], 3, dst, 12));
    }

    @Test
    void reluScalingPutsTheMaximumInTheTopOctave() {
        int[] acc = {-5, 1 << 27, 3 << 20, 0};
        int[] h = new int[4];
        int shift = DenseKernels.reluScaled(acc, 4, h);
        assertEquals(13, shift);
        assertEquals(1 << 14, h[1]);
        assertEquals(0, h[0]);
        assertEquals(384, h[2]);
        int[] small = {7};
        assertEquals(-12, DenseKernels.reluScaled(small, 1, h));
        assertEquals(7 << 12, h[0]);
        assertEquals(DenseKernels.NO_ACTIVITY, DenseKernels.reluScaled(new int[] {-1, 0}, 2, h));
    }

    @Test
    void halvingRoundsHalfToEvenSymmetrically() {
        short[] w = {1, 3, -1, -3, 32767, -32768, 5, -5};
        DenseKernels.halve(w, 0, w.length);
        assertEquals("[0, 2, 0, -2, 16384, -16384, 2, -2]", java.util.Arrays.toString(w));
        int[] b = {Integer.MAX_VALUE, Integer.MIN_VALUE, 7};
        DenseKernels.halve(b, 0, 3);
        assertEquals(1 << 30, b[0]);
        assertEquals(-(1 << 30), b[1]);
        assertEquals(4, b[2]);
        assertTrue(DenseKernels.xorshift(1) != 0);
    }
}
