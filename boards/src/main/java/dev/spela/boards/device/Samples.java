package dev.spela.boards.device;

import java.util.Objects;

/**
 * Labelled samples as a board's sensor would deliver them: {@code count} rows of {@code inputSize}
 * unsigned bytes, one class label each.
 *
 * @param pixels {@code count * inputSize} bytes, sample-major
 * @param labels one unsigned byte per sample
 */
public record Samples(int inputSize, byte[] pixels, byte[] labels) {

  public Samples {
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(labels, "labels");
    if (inputSize <= 0 || (long) labels.length * inputSize != pixels.length) {
      throw new IllegalArgumentException(
          "samples: " + pixels.length + " bytes do not hold " + labels.length + " samples of " + inputSize);
    }
  }

  public int count() {
    return labels.length;
  }

  public int label(int sample) {
    return labels[sample] & 0xFF;
  }

  /** Offset of a sample's first byte in {@link #pixels()}. */
  public int offset(int sample) {
    return sample * inputSize;
  }

  /**
   * Shard {@code index} of {@code shards}: every {@code shards}-th sample starting at {@code index}
   * (so every shard sees every class in the same proportions), at most {@code limit} of them.
   */
  public Samples shard(int index, int shards, int limit) {
    if (shards < 1 || index < 0 || index >= shards) {
      throw new IllegalArgumentException("shard " + index + "/" + shards + ": need 0 <= i < n");
    }
    int available = (count() - index + shards - 1) / shards;
    int n = Math.max(0, Math.min(available, limit));
    byte[] shardPixels = new byte[n * inputSize];
    byte[] shardLabels = new byte[n];
    for (int k = 0; k < n; k++) {
      int source = index + k * shards;
      System.arraycopy(pixels, offset(source), shardPixels, k * inputSize, inputSize);
      shardLabels[k] = labels[source];
    }
    return new Samples(inputSize, shardPixels, shardLabels);
  }
}
