package dev.spela.train;

/**
 * A split of a dataset as the trainers read it: unsigned 8-bit pixels, one row of {@code
 * inputSize} per sample, and labels in {@code [0, classes)}.
 */
public record Samples(byte[] pixels, byte[] labels, int count, int inputSize, int classes) {
  public Samples {
    if (pixels.length < (long) count * inputSize || labels.length < count) {
      throw new IllegalArgumentException("pixel or label arrays are shorter than " + count + " samples");
    }
  }

  public int label(int sample) {
    return labels[sample] & 0xFF;
  }

  /**
   * Writes sample {@code sample}'s pixels scaled to [0, 1] into {@code x}, optionally divided by
   * their Euclidean norm, and lists the indices of the non-zero ones in {@code active}.
   *
   * @return how many inputs are non-zero
   */
  int load(int sample, float[] x, int[] active, boolean normalise) {
    int base = sample * inputSize;
    int count = 0;
    long sumSquares = 0;
    for (int i = 0; i < inputSize; i++) {
      int p = pixels[base + i] & 0xFF;
      if (p != 0) {
        active[count++] = i;
        sumSquares += p * p;
      }
      x[i] = p;
    }
    float scale = normalise ? (float) (1.0 / Math.sqrt(sumSquares)) : 1f / 255f;
    if (count == 0) {
      return 0;
    }
    for (int t = 0; t < count; t++) {
      x[active[t]] *= scale;
    }
    return count;
  }
}
