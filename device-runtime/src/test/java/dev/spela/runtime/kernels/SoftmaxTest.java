package dev.spela.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SoftmaxTest {

  @Test
  void theExponentialIsWithinOneLsbOfDoublePrecisionOverItsWholeRange() {
    for (int inverseTemperature : new int[] {256, 5120, 12800, 65535}) {
      for (int difference = 0; difference >= -(1 << 16); difference -= 7) {
        double exact = Math.exp(difference / 32768.0 * (inverseTemperature / 256.0)) * 32768;
        int q = Softmax.exponential(difference, inverseTemperature);
        // The logit is rounded to Q15 first: half an LSB of it moves the value by up to 2^-16 relative.
        assertEquals(exact, q, 1.0 + exact * 0.0001, "difference " + difference + ", 1/T " + inverseTemperature);
      }
    }
    assertEquals(1 << 15, Softmax.exponential(0, 5120));
    assertEquals(1 << 15, Softmax.exponential(5, 5120), "a positive difference counts as none");
    assertEquals(0, Softmax.exponential(-(1 << 16), 65535));
  }

  @Test
  void theDirectionIsMinusTheGradientOfTheSoftmaxLossTimesNormAndTemperature() {
    SplittableRandom random = new SplittableRandom(3);
    int out = 34;
    int classes = 10;
    int[] h = new int[out];
    int[] acc = new int[out];
    for (int j = 0; j < out; j++) {
      acc[j] = random.nextInt(-1000, 1000);
      h[j] = acc[j] > 0 ? random.nextInt(1, 1 << 15) : 0;
    }
    int norm = DenseKernels.norm(h, out);
    short[] priors = new short[classes * out];
    double[][] v = new double[classes][out];
    for (int c = 0; c < classes; c++) {
      double sum = 0;
      for (int j = 0; j < out; j++) {
        v[c][j] = random.nextGaussian();
        sum += v[c][j] * v[c][j];
      }
      for (int j = 0; j < out; j++) {
        v[c][j] /= Math.sqrt(sum);
        priors[c * out + j] = (short) Math.round(v[c][j] * 32767);
      }
    }
    // Float: p = softmax(cos / T), e = p - onehot, D = (sum_c e_c cos_c) u - sum_c e_c v_c.
    int label = 4;
    double temperature = 0.05;
    double hNorm = 0;
    for (int x : h) {
      hNorm += (double) x * x;
    }
    hNorm = Math.sqrt(hNorm);
    double[] cos = new double[classes];
    double max = -2;
    for (int c = 0; c < classes; c++) {
      for (int j = 0; j < out; j++) {
        cos[c] += h[j] * v[c][j] / hNorm;
      }
      max = Math.max(max, cos[c]);
    }
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      sum += Math.exp((cos[c] - max) / temperature);
    }
    double w = 0;
    double[] t = new double[out];
    int[] target = new int[out];
    long weighted = 0;
    int qSum = 0;
    long reciprocal = DenseKernels.reciprocal(norm);
    int best = Integer.MIN_VALUE;
    for (int c = 0; c < classes; c++) {
      best = Math.max(best, DenseKernels.cosine(h, out, reciprocal, priors, c * out));
    }
    for (int c = 0; c < classes; c++) {
      qSum += Softmax.exponential(DenseKernels.cosine(h, out, reciprocal, priors, c * out) - best, 5120);
    }
    for (int c = 0; c < classes; c++) {
      double e = Math.exp((cos[c] - max) / temperature) / sum - (c == label ? 1 : 0);
      w += e * cos[c];
      for (int j = 0; j < out; j++) {
        t[j] += e * v[c][j];
      }
      int cosine = DenseKernels.cosine(h, out, reciprocal, priors, c * out);
      int p = (int) (((long) Softmax.exponential(cosine - best, 5120) << 15) / qSum);
      int error = c == label ? p - 32768 : p;
      weighted += (long) error * cosine;
      Softmax.accumulate(target, out, error, priors, c * out);
    }
    int maxAbs = Softmax.direction(acc, h, out, norm, target, (int) ((weighted + (1 << 14)) >> 15));
    int largest = 0;
    for (int j = 0; j < out; j++) {
      double expected = h[j] > 0 ? (w * h[j] / hNorm - t[j]) * 32768 : 0;
      // Q15 rounding of p, cos and u through ten classes: a few LSBs, plus 1 % of the value.
      assertEquals(expected, acc[j], 8 + Math.abs(expected) * 0.01, "unit " + j);
      largest = Math.max(largest, Math.abs(acc[j]));
    }
    assertEquals(largest, maxAbs);
    assertTrue(largest > 1000, "the test exercises a real direction: " + largest);
  }
}
