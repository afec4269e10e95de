package dev.spela.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseKernelsTest {

  /** The active-pair list of a one-row layer whose pair is active. */
  private static final int[] ONE_PAIR = {0};

  private static int[] uniformNoise(int length, long seed) {
    Random random = new Random(seed);
    int[] noise = new int[length];
    for (int k = 0; k < length; k++) {
      noise[k] = random.nextInt();
    }
    return noise;
  }

  @Test
  void stochasticRoundingKeepsUpdatesFarBelowOneLsbInExpectation() {
    // g * x * 2^-S = 3 * 1000 / 2^16 = 0.0458 LSB per step: nearest rounding would drop all of it.
    int out = 64;
    int shift = 16;
    int[] w = new int[out];
    int[] x = {DenseKernels.pack(1000, 1000)};
    int[] g = new int[out];
    java.util.Arrays.fill(g, 3);
    g[1] = -3;
    int[] noise = uniformNoise(out, 1);
    int rng = 12345;
    int steps = 20_000;
    for (int s = 0; s < steps; s++) {
      rng =
          DenseKernels.update(
              new int[][] {w},
              0,
              ONE_PAIR,
              1,
              out,
              x,
              g,
              shift,
              noise,
              DenseKernels.STOCHASTIC_ROTATION,
              rng);
    }
    double expected = steps * 3 * 1000 / 65536.0; // 915.5
    double meanLow = 0;
    double meanHigh = 0;
    for (int j = 2; j < out; j++) {
      meanLow += DenseKernels.low(w[j]);
      meanHigh += DenseKernels.high(w[j]);
    }
    meanLow /= out - 2;
    meanHigh /= out - 2;
    assertEquals(expected, meanLow, 0.01 * expected);
    assertEquals(expected, meanHigh, 0.01 * expected);
    assertEquals(-expected, DenseKernels.low(w[1]), 0.1 * expected);
    assertEquals(-expected, DenseKernels.high(w[1]), 0.1 * expected);

    int[] nearest = new int[out];
    java.util.Arrays.fill(nearest, DenseKernels.NEAREST_NOISE);
    int[] w2 = new int[out];
    for (int s = 0; s < 1000; s++) {
      DenseKernels.update(new int[][] {w2}, 0, ONE_PAIR, 1, out, x, g, shift, nearest, 0, rng);
    }
    assertEquals(0, w2[5], "round-to-nearest loses sub-half-LSB updates");
  }

  @Test
  void stochasticRoundingIsExactlyUniformWhateverTheNoiseHolds() {
    // A constant noise word: the per-input rotation alone makes the rounding unbiased.
    int out = 16;
    int[] constant = new int[out];
    java.util.Arrays.fill(constant, 0x12345678);
    int[] w = new int[out];
    int[] g = new int[out];
    java.util.Arrays.fill(g, 1);
    int[] x = {DenseKernels.pack(16, 0)};
    int rng = 99;
    int steps = 64_000;
    for (int s = 0; s < steps; s++) {
      // 1 * 16 / 2^10 = 1/64 LSB per step
      rng =
          DenseKernels.update(
              new int[][] {w},
              0,
              ONE_PAIR,
              1,
              out,
              x,
              g,
              10,
              constant,
              DenseKernels.STOCHASTIC_ROTATION,
              rng);
    }
    for (int v : w) {
      assertEquals(1000, DenseKernels.low(v), 100); // binomial(64000, 1/64), sd 31
      assertEquals(0, DenseKernels.high(v), "a zero input leaves its weights unchanged");
    }
  }

  @Test
  void biasUpdateIsUnbiasedToo() {
    int[] b = new int[8];
    int[] g = {1, 1, 1, 1, 1, 1, 1, 1};
    int[] noise = uniformNoise(8, 2);
    Random random = new Random(3);
    // 1 * 2^4 / 2^10 = 1/64 LSB per step
    for (int s = 0; s < 64_000; s++) {
      DenseKernels.updateBias(b, 0, 8, g, 4, 10, noise, random.nextInt());
    }
    // each bias: binomial(64000, 1/64), sd 31
    for (int v : b) {
      assertEquals(1000, v, 100);
    }
  }

  @Test
  void packedHalvesStayIndependentThroughUpdates() {
    int[][] halves = {{-1, 5}, {0, -1}, {32767, -32765}, {-32768, 32764}, {-200, -300}, {12345, 0}};
    int out = halves.length;
    int[] w = new int[out];
    for (int j = 0; j < out; j++) {
      w[j] = DenseKernels.pack(halves[j][0], halves[j][1]);
      assertEquals(halves[j][0], DenseKernels.low(w[j]));
      assertEquals(halves[j][1], DenseKernels.high(w[j]));
    }
    // shift 1, round to nearest: change = (g * x + 1) >> 1 = g * x / 2 for even g; the results
    // reach both ends of int16 and cross zero in the low half, which must not disturb the high one
    int[] g = {2, 2, -2, 2, 2, -2};
    int[] nearest = new int[out];
    java.util.Arrays.fill(nearest, DenseKernels.NEAREST_NOISE);
    int[] x = {DenseKernels.pack(1, 3)};
    DenseKernels.update(new int[][] {w}, 0, ONE_PAIR, 1, out, x, g, 1, nearest, 0, 1);
    for (int j = 0; j < out; j++) {
      int low = halves[j][0] + g[j] / 2 * 1;
      int high = halves[j][1] + g[j] / 2 * 3;
      assertEquals(low, DenseKernels.low(w[j]), "low half of output " + j);
      assertEquals(high, DenseKernels.high(w[j]), "high half of output " + j);
    }
  }

  @Test
  void forwardSkipsZeroPairsAndPadsAnOddInput() {
    Random random = new Random(4);
    int in = 7;
    int out = 5;
    int pairs = DenseKernels.pairs(in);
    short[][] weights = new short[in][out];
    // rows one longer than the layer (a wider capacity) after three rows of another layer
    int[][] rows = new int[3 + pairs][out + 1];
    for (int p = 0; p < pairs; p++) {
      for (int j = 0; j < out; j++) {
        weights[2 * p][j] = (short) (random.nextInt(1 << 15) - (1 << 14));
        if (2 * p + 1 < in) {
          weights[2 * p + 1][j] = (short) (random.nextInt(1 << 15) - (1 << 14));
        }
        int high = 2 * p + 1 < in ? weights[2 * p + 1][j] : 0;
        rows[3 + p][j] = DenseKernels.pack(weights[2 * p][j], high);
      }
    }
    short[] inputs = {0, 0, 300, 0, 0, 2000, 700, 0}; // the last entry is the odd layer's padding
    int[] x = packPairs(inputs);
    int[] bias = {9, 1, 2, 3, 4, 5};
    int[] acc = new int[out];
    int[] active = new int[pairs];
    assertEquals(3, DenseKernels.activePairs(x, pairs, active));
    assertEquals("[1, 2, 3]", java.util.Arrays.toString(java.util.Arrays.copyOf(active, 3)));
    DenseKernels.forward(rows, 3, active, 3, out, x, bias, 1, acc);
    for (int j = 0; j < out; j++) {
      int expected = bias[1 + j];
      for (int i = 0; i < in; i++) {
        expected += weights[i][j] * inputs[i];
      }
      assertEquals(expected, acc[j], "output " + j);
    }
  }

  @Test
  void normaliseGivesAUnitVectorNeverAboveOne() {
    int[] src = {3 << 7, 4 << 7, 0, 0};
    int[] dst = {-1, -1};
    int norm = DenseKernels.normalise(src, 4, dst, 15);
    assertEquals(5 << 7, norm);
    assertEquals(Math.round(0.6 * 32768), DenseKernels.low(dst[0]));
    assertEquals(Math.round(0.8 * 32768), DenseKernels.high(dst[0]));
    assertEquals(0, dst[1]);
    int[] single = {1};
    DenseKernels.normalise(single, 1, dst, 15);
    assertEquals(Short.MAX_VALUE, DenseKernels.low(dst[0]));
    assertEquals(0, DenseKernels.high(dst[0]), "an odd input count is padded with a zero input");
    assertEquals(0, DenseKernels.normalise(new int[3], 3, dst, 12));
    assertEquals(0, dst[0] | dst[1]);
  }

  @Test
  void outputMajorKernelsComputeWhatInputMajorOnesDo() {
    Random random = new Random(5);
    int pairs = 9;
    int out = 7;
    int[][] inputMajor = new int[pairs][out];
    int[][] outputMajor =
        new int[2 + out][pairs + 3]; // after two rows of another layer, longer rows
    for (int p = 0; p < pairs; p++) {
      for (int j = 0; j < out; j++) {
        int packed =
            DenseKernels.pack(
                random.nextInt(1 << 15) - (1 << 14), random.nextInt(1 << 15) - (1 << 14));
        inputMajor[p][j] = packed;
        outputMajor[2 + j][p] = packed;
      }
    }
    short[] inputs = new short[2 * pairs];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = (short) (i % 3 == 0 ? 0 : random.nextInt(3000));
    }
    int[] x = packPairs(inputs);
    int[] bias = {1, -2, 3, -4, 5, -6, 7, 8};
    int[] expected = new int[out];
    int[] acc = new int[out];
    int[] active = new int[pairs];
    int count = DenseKernels.activePairs(x, pairs, active);
    int largest = DenseKernels.forward(inputMajor, 0, active, count, out, x, bias, 1, expected);
    DenseKernels.forwardOutputMajor(outputMajor, 2, pairs, out, x, bias, 1, acc);
    assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(acc));
    assertEquals(largest, DenseKernels.largestInput(x, pairs));
    // round to nearest: no rotations, so both layouts make exactly the same change
    int[] g = {-300, 0, 5, 16384, -16384, 1, 77};
    int[] nearest = new int[Math.max(out, pairs)];
    java.util.Arrays.fill(nearest, DenseKernels.NEAREST_NOISE);
    DenseKernels.update(inputMajor, 0, active, count, out, x, g, 9, nearest, 0, 1);
    DenseKernels.updateOutputMajor(outputMajor, 2, pairs, out, x, g, 9, nearest, 0, 1);
    for (int p = 0; p < pairs; p++) {
      for (int j = 0; j < out; j++) {
        assertEquals(inputMajor[p][j], outputMajor[2 + j][p], "pair " + p + ", output " + j);
      }
    }
  }

  @Test
  void updatingOnlyTheLiveOutputsChangesWhatTheDenseUpdateChanges() {
    Random random = new Random(11);
    int pairs = 40;
    int out = 33;
    for (int shift : new int[] {1, 9, DenseKernels.MAX_SHIFT}) {
      for (boolean stochastic : new boolean[] {true, false}) {
        int[][] dense = new int[pairs][out + 2]; // rows longer than the layer, as in an arena
        int[][] live = new int[pairs][out + 2];
        for (int p = 0; p < pairs; p++) {
          for (int j = 0; j < out + 2; j++) {
            dense[p][j] = DenseKernels.pack(random.nextInt(16001) - 8000, random.nextInt(16001) - 8000);
            live[p][j] = dense[p][j];
          }
        }
        short[] inputs = new short[2 * pairs];
        for (int i = 0; i < inputs.length; i++) {
          inputs[i] = (short) (i % 5 == 0 ? 0 : random.nextInt(1 << 15));
        }
        int[] x = packPairs(inputs);
        int[] active = new int[pairs];
        int count = DenseKernels.activePairs(x, pairs, active);
        // about half the coefficients zero (units that are off), the others up to |g| = 2^14
        int[] g = new int[out];
        for (int j = 0; j < out; j++) {
          g[j] = random.nextBoolean() ? 0 : random.nextInt((1 << 15) + 1) - (1 << 14);
        }
        g[0] = 1 << 14;
        g[out - 1] = -(1 << 14);
        int[] noise = stochastic ? uniformNoise(out, shift) : new int[out];
        if (!stochastic) {
          java.util.Arrays.fill(noise, DenseKernels.NEAREST_NOISE);
        }
        int rotation = stochastic ? DenseKernels.STOCHASTIC_ROTATION : 0;
        int[] list = new int[out];
        int[] liveNoise = noise.clone();
        int listed = DenseKernels.liveOutputs(g, out, list, liveNoise);
        int denseState = DenseKernels.update(dense, 0, active, count, out, x, g, shift, noise, rotation, 7);
        int liveState =
            DenseKernels.updateLive(
                live, 0, active, count, list, listed, x, shift, liveNoise, rotation, 7);
        assertEquals(denseState, liveState);
        assertTrue(listed < out);
        for (int p = 0; p < pairs; p++) {
          assertEquals(
              java.util.Arrays.toString(dense[p]),
              java.util.Arrays.toString(live[p]),
              "shift " + shift + ", row " + p);
        }
      }
    }
  }

  @Test
  void outputMajorStochasticRoundingIsUnbiased() {
    // 1 * 16 / 2^10 = 1/64 LSB per step on every weight of one output, with a constant noise table
    int pairs = 16;
    int[][] rows = {new int[pairs]};
    int[] x = new int[pairs];
    java.util.Arrays.fill(x, DenseKernels.pack(16, 16));
    int[] constant = new int[pairs];
    java.util.Arrays.fill(constant, 0x12345678);
    int rng = 7;
    for (int s = 0; s < 64_000; s++) {
      rng =
          DenseKernels.updateOutputMajor(
              rows,
              0,
              pairs,
              1,
              x,
              new int[] {1},
              10,
              constant,
              DenseKernels.STOCHASTIC_ROTATION,
              rng);
    }
    for (int v : rows[0]) {
      assertEquals(1000, DenseKernels.low(v), 100); // binomial(64000, 1/64), sd 31
      assertEquals(1000, DenseKernels.high(v), 100);
    }
  }

  private static int[] packPairs(short[] inputs) {
    int[] x = new int[inputs.length / 2];
    for (int p = 0; p < x.length; p++) {
      x[p] = DenseKernels.pack(inputs[2 * p], inputs[2 * p + 1]);
    }
    return x;
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
    int[] w = {
      DenseKernels.pack(1, 3),
      DenseKernels.pack(-1, -3),
      DenseKernels.pack(32767, -32768),
      DenseKernels.pack(5, -5)
    };
    DenseKernels.halveWeights(new int[][] {w}, 0, 1, w.length);
    int[] halves = new int[8];
    for (int k = 0; k < 4; k++) {
      halves[2 * k] = DenseKernels.low(w[k]);
      halves[2 * k + 1] = DenseKernels.high(w[k]);
    }
    assertEquals("[0, 2, 0, -2, 16384, -16384, 2, -2]", java.util.Arrays.toString(halves));
    int[] b = {Integer.MAX_VALUE, Integer.MIN_VALUE, 7};
    DenseKernels.halveBiases(b, 0, 3);
    assertEquals(1 << 30, b[0]);
    assertEquals(-(1 << 30), b[1]);
    assertEquals(4, b[2]);
    assertTrue(DenseKernels.xorshift(1) != 0);
  }
}
