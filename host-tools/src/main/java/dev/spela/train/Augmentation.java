package dev.spela.train;

import java.util.SplittableRandom;

/**
 * Cheap data augmentation for square images, as a device could do it on the fly while it copies a
 * sample in: a random shift of up to {@code maxShift} pixels in each direction (blank pixels
 * shifted in) and, with {@code flip}, a horizontal mirror half of the time. One pass over the
 * pixels, no arithmetic: on a microcontroller it costs a copy of the sample.
 */
public record Augmentation(int width, int maxShift, boolean flip) {

  public Augmentation {
    if (width < 1 || maxShift < 0 || maxShift >= width) {
      throw new IllegalArgumentException("a shift must be between 0 and the image width - 1, got " + maxShift);
    }
  }

  public boolean isNone() {
    return maxShift == 0 && !flip;
  }

  /** A new set of samples: every sample of {@code data} shifted (and mirrored) at random. */
  public Samples apply(Samples data, SplittableRandom random) {
    int n = data.inputSize();
    if (n % width != 0) {
      throw new IllegalArgumentException("samples of " + n + " pixels are not images " + width + " pixels wide");
    }
    int height = n / width;
    byte[] source = data.pixels();
    byte[] pixels = new byte[data.count() * n];
    for (int s = 0; s < data.count(); s++) {
      int dx = maxShift == 0 ? 0 : random.nextInt(2 * maxShift + 1) - maxShift;
      int dy = maxShift == 0 ? 0 : random.nextInt(2 * maxShift + 1) - maxShift;
      boolean mirror = flip && random.nextBoolean();
      int base = s * n;
      for (int row = 0; row < height; row++) {
        int fromRow = row - dy;
        if (fromRow < 0 || fromRow >= height) {
          continue;
        }
        for (int col = 0; col < width; col++) {
          int fromCol = (mirror ? width - 1 - col : col) - dx;
          if (fromCol >= 0 && fromCol < width) {
            pixels[base + row * width + col] = source[base + fromRow * width + fromCol];
          }
        }
      }
    }
    return new Samples(pixels, data.labels(), data.count(), n, data.classes());
  }

  @Override
  public String toString() {
    return (maxShift > 0 ? "shifts up to " + maxShift + " pixels" : "") + (maxShift > 0 && flip ? ", " : "")
        + (flip ? "mirrored half the time" : "");
  }
}
