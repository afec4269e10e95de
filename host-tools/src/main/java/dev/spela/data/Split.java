package dev.spela.data;

import java.util.Objects;

/**
 * The images and labels of one split (train or test), kept as the unsigned bytes of the IDX files:
 * {@code pixels} holds {@code count} images of {@code rows x cols} one after the other, each row by
 * row; {@code labels} holds one class index per image. The arrays are shared, not copied: treat
 * them as read-only.
 */
public final class Split {
  /** Pixel byte value to [0,1]; a table keeps the conversion exact and branch-free. */
  private static final float[] UNIT = new float[256];

  static {
    for (int i = 0; i < UNIT.length; i++) {
      UNIT[i] = i / 255f;
    }
  }

  private final int count;
  private final int rows;
  private final int cols;
  private final byte[] pixels;
  private final byte[] labels;

  /**
   * A split over the given arrays (not copied).
   *
   * @throws IllegalArgumentException if a size is below 1 or the arrays do not hold {@code count}
   *     images of {@code rows x cols} and {@code count} labels
   */
  public Split(int count, int rows, int cols, byte[] pixels, byte[] labels) {
    if (count < 1 || rows < 1 || cols < 1) {
      throw new IllegalArgumentException(
          "a split needs at least one image of at least 1x1, not "
              + count
              + " of "
              + rows
              + "x"
              + cols);
    }
    if ((long) count * rows * cols != pixels.length || labels.length != count) {
      throw new IllegalArgumentException(
          "expected "
              + count
              + " images of "
              + rows
              + "x"
              + cols
              + " and as many labels, got "
              + pixels.length
              + " pixel bytes and "
              + labels.length
              + " labels");
    }
    this.count = count;
    this.rows = rows;
    this.cols = cols;
    this.pixels = pixels;
    this.labels = labels;
  }

  /** Number of images (and labels). */
  public int count() {
    return count;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** {@code rows * cols}: the length of one image in {@link #pixels()}. */
  public int pixelsPerSample() {
    return rows * cols;
  }

  /**
   * All images as unsigned bytes (0 black .. 255 white), image {@code i} at {@code i *
   * pixelsPerSample()}.
   */
  public byte[] pixels() {
    return pixels;
  }

  /** All labels as unsigned bytes, one per image. */
  public byte[] labels() {
    return labels;
  }

  /** The class index of image {@code sample}. */
  public int label(int sample) {
    return labels[sample] & 0xFF;
  }

  /**
   * Writes image {@code sample}, scaled to [0,1] ({@code byte / 255}), into {@code dst} from {@code
   * offset} on: {@link #pixelsPerSample()} floats.
   */
  public void copyPixels(int sample, float[] dst, int offset) {
    Objects.checkIndex(sample, count);
    int size = pixelsPerSample();
    Objects.checkFromIndexSize(offset, size, dst.length);
    int base = sample * size;
    for (int i = 0; i < size; i++) {
      dst[offset + i] = UNIT[pixels[base + i] & 0xFF];
    }
  }

  /**
   * All images scaled to [0,1], laid out as {@link #pixels()}: a new array of {@code count * rows *
   * cols} floats.
   */
  public float[] toFloats() {
    float[] out = new float[pixels.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = UNIT[pixels[i] & 0xFF];
    }
    return out;
  }

  /** The largest label. */
  int maxLabel() {
    int max = 0;
    for (byte label : labels) {
      max = Math.max(max, label & 0xFF);
    }
    return max;
  }

  @Override
  public String toString() {
    return count + " images of " + rows + "x" + cols;
  }
}
