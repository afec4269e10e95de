package dev.spela.train;

import dev.spela.priors.PriorMethod;
import java.util.SplittableRandom;

/** Small synthetic datasets and class vectors for trainer tests. */
final class ToyData {
  private ToyData() {}

  /**
   * {@code classes} linearly separable classes of {@code inputs} pixels: class c is bright on its
   * own block of pixels and dim elsewhere, with noise.
   */
  static Samples blocks(int count, int inputs, int classes, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] pixels = new byte[count * inputs];
    byte[] labels = new byte[count];
    int block = inputs / classes;
    for (int s = 0; s < count; s++) {
      int label = random.nextInt(classes);
      labels[s] = (byte) label;
      for (int i = 0; i < inputs; i++) {
        boolean bright = i / block == label;
        pixels[s * inputs + i] = (byte) (bright ? 150 + random.nextInt(106) : random.nextInt(60));
      }
    }
    return new Samples(pixels, labels, count, inputs, classes);
  }

  static SpelaNetwork spela(int[] sizes, int classes, long seed) {
    return SpelaNetwork.fresh(sizes, classes, PriorMethod.RIESZ, LocalLoss.COSINE, seed);
  }
}
