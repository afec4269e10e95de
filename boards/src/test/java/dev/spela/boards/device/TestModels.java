package dev.spela.boards.device;

import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageEncoder;
import java.util.Random;

/** Small valid images and a separable synthetic data set for the virtual board's tests. */
final class TestModels {

  private TestModels() {}

  /**
   * A trainable image: uniform weights of about Kaiming scale, Walsh-Hadamard
   * priors, learning rate 0.01, stochastic rounding.
   */
  static byte[] image(int inputSize, int classes, int[] outputs, long seed) {
    Random random = new Random(seed);
    int size = ModelImage.imageSize(inputSize, classes, outputs, outputs.length);
    byte[] image = new byte[size];
    ModelImageEncoder encoder = new ModelImageEncoder().wrap(image, 0, size);
    encoder.layout(inputSize, classes, outputs, outputs.length);
    encoder.learningRate(167772).earlyExitMargin(3277).roundingMode(ModelImage.ROUNDING_STOCHASTIC)
        .rngSeed(seed).samplesSeen(0);
    int inputs = inputSize;
    for (int k = 0; k < outputs.length; k++) {
      int out = outputs[k];
      // q in [-2^14, 2^14] at exponent -14 - log2(sqrt(inputs)): weights of about 1/sqrt(inputs).
      int exponent = -14 - (32 - Integer.numberOfLeadingZeros(inputs)) / 2;
      encoder.layerFormat(k, exponent, ModelImage.maxInputFracBits(inputs), false);
      for (int i = 0; i < inputs * out; i++) {
        encoder.weight(k, i, random.nextInt(1 << 15) - (1 << 14));
      }
      // Walsh-Hadamard rows 1..classes: orthogonal unit vectors with signs (when out is 2^n).
      int q = (int) Math.round(32767 / Math.sqrt(out));
      for (int c = 0; c < classes; c++) {
        for (int j = 0; j < out; j++) {
          encoder.prior(k, c * out + j, Integer.bitCount((c + 1) & j) % 2 == 0 ? q : -q);
        }
      }
      inputs = out;
    }
    encoder.seal();
    return image;
  }

  /** Noisy copies of one random prototype per class, classes in random order. */
  static Samples prototypes(int inputSize, int classes, int count, long seed) {
    Random random = new Random(seed);
    byte[][] prototypes = new byte[classes][inputSize];
    for (byte[] p : prototypes) {
      for (int i = 0; i < inputSize; i++) {
        p[i] = (byte) (random.nextInt(10) < 4 ? 0 : random.nextInt(256));
      }
    }
    byte[] pixels = new byte[count * inputSize];
    byte[] labels = new byte[count];
    Random noise = new Random(seed + 1);
    for (int n = 0; n < count; n++) {
      int label = noise.nextInt(classes);
      labels[n] = (byte) label;
      for (int i = 0; i < inputSize; i++) {
        int p = prototypes[label][i] & 0xFF;
        int noisy = p == 0 ? 0 : p + (int) (noise.nextGaussian() * 40);
        pixels[n * inputSize + i] = (byte) Math.max(0, Math.min(255, noisy));
      }
    }
    return new Samples(inputSize, pixels, labels);
  }

  static byte[] sha256(byte[] data) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(data);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
