package dev.spela.boards.device;

import java.util.Objects;

/**
 * Labelled samples as a board's sensor would deliver them: {@code count} rows of {@code inputSize}
 * unsigned bytes, one class label each. A shard is a view of the same arrays (every {@code
 * stride}-th row from {@code first}), so that many virtual boards share one dataset in memory; the
 * arrays are never written.
 *
 * @param pixels rows of {@code inputSize} bytes, sample-major
 * @param labels one unsigned byte per row
 * @param first the row of sample 0
 * @param stride rows from one sample to the next
 * @param count samples in this view
 */
public record Samples(int inputSize, byte[] pixels, byte[] labels, int first, int stride, int count) {

  public Samples {
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(labels, "labels");
    if (inputSize <= 0 || (long) labels.length * inputSize != pixels.length) {
      throw new IllegalArgumentException(
          "samples: " + pixels.length + " bytes do not hold " + labels.length + " samples of " + inputSize);
    }
    if (first < 0 || stride < 1 || count < 0 || (count > 0 && first + (long) (count - 1) * stride >= labels.length)) {
      throw new IllegalArgumentException("samples: " + count + " rows from " + first + " every " + stride
          + " exceed the " + labels.length + " rows");
    }
  }

  /** All of {@code labels.length} rows. */
  public Samples(int inputSize, byte[] pixels, byte[] labels) {
    this(inputSize, pixels, labels, 0, 1, labels.length);
  }

  public int label(int sample) {
    return labels[row(sample)] & 0xFF;
  }

  /** Offset of a sample's first byte in {@link #pixels()}. */
  public int offset(int sample) {
    return row(sample) * inputSize;
  }

  private int row(int sample) {
    return first + sample * stride;
  }

  /**
   * Shard {@code index} of {@code shards}: every {@code shards}-th sample starting at {@code index}
   * (so every shard sees every class in the same proportions), at most {@code limit} of them; a
   * view of the same arrays.
   */
  public Samples shard(int index, int shards, int limit) {
    if (shards < 1 || index < 0 || index >= shards) {
      throw new IllegalArgumentException("shard " + index + "/" + shards + ": need 0 <= i < n");
    }
    int available = (count - index + shards - 1) / shards;
    int n = Math.max(0, Math.min(available, limit));
    return new Samples(inputSize, pixels, labels, row(Math.min(index, Math.max(0, count - 1))), stride * shards, n);
  }
}
