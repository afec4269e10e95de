package dev.spela.fleet;

import dev.spela.priors.Priors;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageEncoder;
import java.util.Random;

/**
 * An untrained model image for a fleet: Kaiming-normal weights, zero biases, Riesz-energy class
 * priors, quantised into a v1 image with {@link ModelImageEncoder}.
 *
 * <p>Stop-gap until {@code spela compile} (the engine's image compiler) is merged: the fleet
 * commands will then compile their images with it instead.
 */
public final class StarterImage {

  private StarterImage() {}

  /**
   * @param widths input size first, then every layer's width (as {@code 784-64-16})
   * @param learningRate real learning rate (0 < rate <= 1)
   */
  public static byte[] build(int[] widths, int classes, double learningRate, long seed) {
    int layers = widths.length - 1;
    int[] outputs = new int[layers];
    System.arraycopy(widths, 1, outputs, 0, layers);
    int size = ModelImage.imageSize(widths[0], classes, outputs, layers);
    if (size < 0) {
      throw new IllegalArgumentException("not a valid model shape");
    }
    byte[] image = new byte[size];
    ModelImageEncoder encoder = new ModelImageEncoder().wrap(image, 0, size);
    encoder.layout(widths[0], classes, outputs, layers);
    encoder.learningRate((int) Math.round(learningRate * (1 << ModelImage.LEARNING_RATE_FRAC_BITS)))
        .earlyExitMargin((int) Math.round(0.1 * 32768))
        .roundingMode(ModelImage.ROUNDING_STOCHASTIC)
        .rngSeed(seed)
        .samplesSeen(0);
    Random random = new Random(seed);
    for (int k = 0; k < layers; k++) {
      int in = widths[k];
      int out = outputs[k];
      double sd = Math.sqrt(2.0 / in);
      double[] w = new double[in * out];
      double max = 0;
      for (int i = 0; i < w.length; i++) {
        w[i] = random.nextGaussian() * sd;
        max = Math.max(max, Math.abs(w[i]));
      }
      // The smallest exponent at which every weight fits the int16 range the format allows.
      int exponent = (int) Math.ceil(Math.log(max / ModelImage.MAX_ABS_WEIGHT) / Math.log(2));
      encoder.layerFormat(k, exponent, ModelImage.maxInputFracBits(in), false);
      double scale = Math.scalb(1.0, -exponent);
      for (int i = 0; i < w.length; i++) {
        encoder.weight(k, i, (int) Math.round(w[i] * scale));
      }
      float[] priors = Priors.riesz(classes, out, seed + k).toFloatArray();
      for (int i = 0; i < priors.length; i++) {
        encoder.prior(k, i, (int) Math.max(-32768, Math.min(32767, Math.round(priors[i] * 32768.0))));
      }
    }
    encoder.seal();
    return image;
  }
}
