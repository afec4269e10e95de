package dev.spela.runtime.kernels;

import dev.spela.protocols.image.LittleEndian;

/**
 * Preprocessed inputs (device-runtime/NUMERICS.md, "Input statistics"): each pixel minus its
 * training mean, times its scale, from the (offset, scale) pairs an image carries; and the
 * first-layer helpers that such inputs need, since they may be negative (the dense kernels assume
 * the non-negative inputs of pixels and ReLU outputs when they skip zeros and bound an update).
 */
public final class InputStatistics {

  /** Pixels in 1/128 units: 255 becomes 32640, the unit of an input's offset. */
  private static final int PIXEL_SHIFT = 7;

  /** The runtime's raw inputs are at most 2^15 in magnitude (what {@code normalise} requires). */
  private static final int INPUT_BITS = 15;

  private InputStatistics() {}

  /**
   * {@code dst[dstOffset + i] = (pixel_i * 128 - offset_i) * scale_i} for {@code count} pixels from
   * {@code pixels[offset..]}, with the (offset u16, scale u16) pairs little-endian in {@code
   * statistics[0..4 * count)}. Offsets are at most 32640 (validated), so the product is below
   * 32640 * 65535 < 2^31.
   */
  public static void apply(
      byte[] pixels, int offset, byte[] statistics, int count, int[] dst, int dstOffset) {
    for (int i = 0; i < count; i++) {
      int centred = ((pixels[offset + i] & 0xFF) << PIXEL_SHIFT) - LittleEndian.u16(statistics, 4 * i);
      dst[dstOffset + i] = centred * LittleEndian.u16(statistics, 4 * i + 2);
    }
  }

  /**
   * Shifts {@code v[0..n)} right (rounding to nearest) by the fewest bits that bring every
   * magnitude to at most 2^15: the layer normalises its input next, so a common power of two
   * changes nothing but the rounding.
   */
  public static void fitToInputRange(int[] v, int n) {
    int max = 0;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, Math.abs(v[i]));
    }
    int shift = 32 - Integer.numberOfLeadingZeros(max) - INPUT_BITS;
    if (shift <= 0) {
      return;
    }
    int half = 1 << (shift - 1);
    for (int i = 0; i < n; i++) {
      v[i] = (v[i] + half) >> shift;
    }
  }

  /**
   * As {@link DenseKernels#activePairs}, for inputs of either sign: the indices of the pairs of
   * {@code x[0..pairs)} with a non-zero input.
   */
  public static int nonZeroPairs(int[] x, int pairs, int[] active) {
    int count = 0;
    for (int p = 0; p < pairs; p++) {
      active[count] = p;
      count += (x[p] | -x[p]) >>> 31;
    }
    return count;
  }

  /** The largest |input| of the packed pairs {@code x[0..pairs)}: what bounds an update. */
  public static int largestMagnitude(int[] x, int pairs) {
    int max = 0;
    for (int p = 0; p < pairs; p++) {
      max = Math.max(max, Math.max(Math.abs(DenseKernels.low(x[p])), Math.abs(DenseKernels.high(x[p]))));
    }
    return max;
  }
}
