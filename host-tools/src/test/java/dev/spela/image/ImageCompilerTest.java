package dev.spela.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.priors.PriorMethod;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.train.LocalLoss;
import dev.spela.train.SpelaNetwork;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImageCompilerTest {
  private static final int[] SIZES = {64, 48, 12};

  private static SpelaNetwork network(LocalLoss loss) {
    SpelaNetwork network = SpelaNetwork.fresh(SIZES, 4, PriorMethod.RIESZ, loss, 3);
    SplittableRandom random = new SplittableRandom(9);
    for (var layer : network.layers()) {
      float[] b = layer.biases();
      for (int j = 0; j < b.length; j++) {
        b[j] = (float) (random.nextGaussian() * 0.1);
      }
    }
    return network;
  }

  @Test
  void theImageHoldsTheNetworkWithinHalfAStepOfEveryNumber() {
    SpelaNetwork network = network(LocalLoss.COSINE);
    byte[] image = ImageCompiler.compile(network, new ImageCompiler.Settings(0.01, 0.25, ModelImage.ROUNDING_NEAREST, 42));
    assertEquals(ImageStatus.OK, ImageFiles.validate(image));
    ModelImageDecoder d = new ModelImageDecoder().wrap(image, 0, image.length);
    assertEquals(167772, d.learningRate());
    assertEquals(8192, d.earlyExitMargin());
    assertEquals(ModelImage.ROUNDING_NEAREST, d.roundingMode());
    assertEquals(42, d.rngSeed());
    assertEquals(0, d.samplesSeen());
    assertEquals(4, d.classCount());
    for (int k = 0; k < SIZES.length - 1; k++) {
      float[] w = network.layers()[k].weights();
      int e = d.weightExponent(k);
      int f = d.inputFracBits(k);
      assertEquals(ModelImage.maxInputFracBits(SIZES[k]), f);
      int maxQ = 0;
      for (int i = 0; i < w.length; i++) {
        maxQ = Math.max(maxQ, Math.abs(d.weight(k, i)));
        assertTrue(Math.abs(d.weight(k, i) * Math.pow(2, e) - w[i]) <= Math.pow(2, e - 1), "weight " + i);
      }
      // The smallest exponent: one less would need more than 2^14.
      assertTrue(maxQ > ModelImage.MAX_ABS_WEIGHT / 2 && maxQ <= ModelImage.MAX_ABS_WEIGHT, "max q " + maxQ);
      float[] b = network.layers()[k].biases();
      for (int j = 0; j < b.length; j++) {
        assertTrue(Math.abs(d.bias(k, j) * Math.pow(2, e - f) - b[j]) <= Math.pow(2, e - f - 1), "bias " + j);
      }
      float[] v = network.priors()[k];
      for (int i = 0; i < v.length; i++) {
        assertTrue(Math.abs(d.prior(k, i) / 32768.0 - v[i]) <= 1.0 / 65536 + 1e-7, "prior " + i);
      }
    }
  }

  @Test
  void theExponentIsTheSmallestThatKeepsWeightsWithinTwoToTheFourteen() {
    assertEquals(-10, ImageCompiler.weightExponent(new float[] {16384f / 1024, -3f}, 0));
    assertEquals(-9, ImageCompiler.weightExponent(new float[] {Math.nextUp(16384f / 1024)}, 0));
    assertEquals(-10, ImageCompiler.weightExponent(new float[] {-16384f / 1024}, 0));
    assertEquals(-11, ImageCompiler.weightExponent(new float[] {Math.nextDown(16384f / 2048)}, 0));
    assertEquals(ModelImage.MIN_WEIGHT_EXPONENT, ImageCompiler.weightExponent(new float[] {0f, 0f}, 0));
    assertEquals(ModelImage.MIN_WEIGHT_EXPONENT, ImageCompiler.weightExponent(new float[] {1e-40f}, 0));
  }

  @Test
  void networksTheRuntimeCannotRunAreRefused() {
    var settings = ImageCompiler.Settings.of(0.01, 1);
    IllegalArgumentException euclidean = assertThrows(IllegalArgumentException.class,
        () -> ImageCompiler.compile(network(LocalLoss.EUCLIDEAN), settings));
    assertTrue(euclidean.getMessage().contains("cosine"), euclidean.getMessage());
    SpelaNetwork broken = network(LocalLoss.COSINE);
    broken.layers()[1].weights()[5] = Float.NaN;
    assertThrows(IllegalArgumentException.class, () -> ImageCompiler.compile(broken, settings));
    assertThrows(IllegalArgumentException.class,
        () -> ImageCompiler.compile(network(LocalLoss.COSINE), ImageCompiler.Settings.of(1.5, 1)));
    assertThrows(IllegalArgumentException.class,
        () -> ImageCompiler.compile(network(LocalLoss.COSINE), ImageCompiler.Settings.of(1e-9, 1)));
    assertThrows(IllegalArgumentException.class, () -> ImageCompiler.marginQ15(2.5));
  }
}
