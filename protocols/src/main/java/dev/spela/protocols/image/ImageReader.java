package dev.spela.protocols.image;

import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;

/**
 * Reads a model image in place from a {@link FlashRegion} through one cached block, so that an
 * image of any size is read with a buffer of {@link #blockBytes} bytes. Positions are relative to
 * the image's first byte; blocks start at multiples of the block size, so the aligned fields of a
 * v1 image (MODEL_FORMAT.md) never straddle two blocks.
 *
 * <p>Reads never throw: a read outside the image or a failed flash read returns 0 and sets {@link
 * #status} (sticky until the next {@link #wrap}), which callers check once after a series of reads.
 * Allocates nothing after construction.
 */
public final class ImageReader {

  private final byte[] block;
  private FlashRegion region;
  private int base;
  private int length;
  private int blockStart;
  private int blockFill;
  private int status;

  /**
   * @param blockBytes the block buffer's size: a multiple of 8
   */
  public ImageReader(int blockBytes) {
    if (blockBytes < 8 || blockBytes % 8 != 0) {
      throw new IllegalArgumentException("block size must be a positive multiple of 8");
    }
    block = new byte[blockBytes];
  }

  /**
   * Reads the image at {@code region[offset, offset + length)} from now on.
   *
   * @return {@link ImageStatus#OK}, or {@link ImageStatus#BAD_ARGUMENT} (null region, range outside
   *     it: then every read fails)
   */
  public int wrap(FlashRegion region, int offset, int length) {
    boolean valid = region != null && FlashStatus.inside(offset, length, region.size());
    this.region = valid ? region : null;
    base = offset;
    this.length = valid ? length : 0;
    blockStart = 0;
    blockFill = 0;
    status = valid ? ImageStatus.OK : ImageStatus.BAD_ARGUMENT;
    return status;
  }

  public int blockBytes() {
    return block.length;
  }

  /** Bytes of the image (as wrapped). */
  public int length() {
    return length;
  }

  /** The region read (null if none). */
  public FlashRegion region() {
    return region;
  }

  /** Offset of the image in its region. */
  public int offset() {
    return base;
  }

  /**
   * {@link ImageStatus#OK}, or the first failure since {@link #wrap}: {@link
   * ImageStatus#READ_FAILED} for a failed flash read or a read outside the image.
   */
  public int status() {
    return status;
  }

  /**
   * Makes the block holding position {@code at} current.
   *
   * @return bytes available from {@code at} in {@link #buffer} (from {@link #bufferIndex}), or 0 if
   *     {@code at} is outside the image or the flash read failed
   */
  public int fetch(int at) {
    if (at < 0 || at >= length) {
      status = ImageStatus.READ_FAILED;
      return 0;
    }
    if (at < blockStart || at >= blockStart + blockFill) {
      int start = at - at % block.length;
      int fill = Math.min(block.length, length - start);
      if (region.read(base + start, block, 0, fill) != FlashStatus.OK) {
        blockFill = 0;
        status = ImageStatus.READ_FAILED;
        return 0;
      }
      blockStart = start;
      blockFill = fill;
    }
    return blockStart + blockFill - at;
  }

  /** The block buffer; valid after {@link #fetch} until the next read. */
  public byte[] buffer() {
    return block;
  }

  /** Index in {@link #buffer} of image position {@code at} (which must be in the current block). */
  public int bufferIndex(int at) {
    return at - blockStart;
  }

  /**
   * Copies {@code count} bytes from position {@code at} straight to {@code dst[dstOffset..]},
   * bypassing the block (a row read). Returns {@link ImageStatus#OK} or {@link
   * ImageStatus#READ_FAILED}.
   */
  public int read(int at, byte[] dst, int dstOffset, int count) {
    if (region == null
        || !FlashStatus.inside(at, count, length)
        || region.read(base + at, dst, dstOffset, count) != FlashStatus.OK) {
      status = ImageStatus.READ_FAILED;
      return ImageStatus.READ_FAILED;
    }
    return ImageStatus.OK;
  }

  public int u8(int at) {
    return fetch(at) > 0 ? block[at - blockStart] & 0xFF : 0;
  }

  public int u16(int at) {
    if (fetch(at) >= 2) {
      return LittleEndian.u16(block, at - blockStart);
    }
    return u8(at) | u8(at + 1) << 8;
  }

  public short i16(int at) {
    return (short) u16(at);
  }

  public int i32(int at) {
    if (fetch(at) >= 4) {
      return LittleEndian.i32(block, at - blockStart);
    }
    return u16(at) | u16(at + 2) << 16;
  }

  public long i64(int at) {
    return (i32(at) & 0xFFFFFFFFL) | (long) i32(at + 4) << 32;
  }
}
