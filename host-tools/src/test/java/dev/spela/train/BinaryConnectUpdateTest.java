package dev.spela.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A binarised layer's update must give exactly BinaryConnect's weights, written the plain way:
 * add the step, clip the latent weight to the scale, compute with {@code w >= 0 ? scale : -scale}.
 */
class BinaryConnectUpdateTest {
  private static final int IN = 24;
  private static final int OUT = 40;

  @Test
  void updatesMatchClipThenSignBitForBitThroughZeroCrossingsClippingAndNegativeZero() {
    SplittableRandom random = new SplittableRandom(17);
    float scale = (float) Math.sqrt(2.0 / IN);
    float[] latent = new float[IN * OUT];
    for (int k = 0; k < latent.length; k++) {
      latent[k] = (float) (random.nextGaussian() * scale);
    }
    latent[5] = -0.0f; // the one value where "v >= 0" and the sign bit disagree
    latent[OUT + 7] = 0.0f;
    DenseLayer layer = new DenseLayer(IN, OUT, latent.clone(), new float[OUT]);
    layer.binarise();
    float[] expected = new float[latent.length];
    for (int k = 0; k < latent.length; k++) {
      expected[k] = clip(latent[k], scale);
    }
    assertComputesWith(layer, expected, scale);

    int[] active = new int[IN];
    float[] x = new float[IN];
    float[] g = new float[OUT];
    for (int step = 0; step < 30; step++) {
      int activeCount = 0;
      for (int i = 0; i < IN; i++) {
        if (random.nextInt(3) > 0) {
          active[activeCount++] = i;
          x[i] = (float) random.nextDouble();
        }
      }
      float rate = step % 2 == 0 ? 1f : -1f;
      for (int j = 0; j < OUT; j++) {
        // Steps as large as the scale: many weights cross zero or hit the clip every step.
        g[j] = (float) (random.nextGaussian() * scale);
      }
      g[5] = Math.copySign(0f, -rate); // steps of -0 for column 5
      layer.update(x, active, activeCount, g, rate, 0, OUT);
      for (int t = 0; t < activeCount; t++) {
        int row = active[t] * OUT;
        for (int j = 0; j < OUT; j++) {
          expected[row + j] = clip(expected[row + j] + rate * x[active[t]] * g[j], scale);
        }
      }
      assertComputesWith(layer, expected, scale);
    }
    assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(layer.weights()[5]),
        "weight 0,5 only ever received steps of -0 and stayed -0");
  }

  private static float clip(float v, float scale) {
    return Math.max(-scale, Math.min(scale, v));
  }

  /** The latent weights are {@code expected}, and the forward pass sees their signs times the scale. */
  private static void assertComputesWith(DenseLayer layer, float[] expected, float scale) {
    for (int k = 0; k < expected.length; k++) {
      assertEquals(Float.floatToRawIntBits(expected[k]), Float.floatToRawIntBits(layer.weights()[k]), "latent " + k);
    }
    float[] x = new float[IN];
    float[] z = new float[OUT];
    for (int i = 0; i < IN; i++) {
      x[i] = 1f;
      layer.forward(x, new int[] {i}, 1, z, 0, OUT);
      for (int j = 0; j < OUT; j++) {
        float sign = expected[i * OUT + j] >= 0f ? scale : -scale;
        assertEquals(layer.biases()[j] + sign, z[j], "weight " + i + "," + j + " used as ±scale");
      }
    }
  }
}
