package dev.spela.runtime;

import java.util.Random;

/**
 * A synthetic separable problem: noisy copies of one random u8 prototype per class, 40% zero
 * pixels.
 */
public final class Prototypes {

  final int size;
  final int classes;
  final byte[][] prototypes;
  private final Random random;

  public Prototypes(int size, int classes, long seed) {
    this.size = size;
    this.classes = classes;
    random = new Random(seed);
    prototypes = new byte[classes][size];
    for (byte[] p : prototypes) {
      for (int i = 0; i < size; i++) {
        p[i] = (byte) (random.nextInt(10) < 4 ? 0 : random.nextInt(256));
      }
    }
  }

  /** Writes a noisy sample of class {@code label} into {@code out[offset..]}. */
  public void sample(int label, byte[] out, int offset) {
    for (int i = 0; i < size; i++) {
      int p = prototypes[label][i] & 0xFF;
      int noisy = p == 0 ? 0 : p + (int) (random.nextGaussian() * 40);
      out[offset + i] = (byte) Math.max(0, Math.min(255, noisy));
    }
  }

  public int label(int n) {
    return n % classes;
  }
}
