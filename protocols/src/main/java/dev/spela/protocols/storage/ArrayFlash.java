package dev.spela.protocols.storage;

/**
 * A {@link FlashRegion} over a byte array: part of an array of the caller's ({@link #wrap}, like a
 * flyweight; host tools keep whole images this way), or an emulated flash of its own that starts
 * erased and enforces the flash rules ({@link #ArrayFlash(int, int)}: writes only onto erased
 * bytes, erases of whole sectors), so that tests catch a caller that forgets to erase.
 */
public final class ArrayFlash implements FlashRegion {

  private final boolean strict;
  private final int sectorBytes;
  private byte[] bytes;
  private int base;
  private int size;

  /** A region over nothing yet; {@link #wrap} gives it bytes. Writes overwrite, as RAM does. */
  public ArrayFlash() {
    strict = false;
    sectorBytes = 1;
  }

  /** A region over all of {@code bytes}; writes overwrite, as RAM does. */
  public ArrayFlash(byte[] bytes) {
    this();
    wrap(bytes, 0, bytes.length);
  }

  /** An erased flash of {@code size} bytes with {@code sectorBytes} sectors and the flash rules. */
  public ArrayFlash(int size, int sectorBytes) {
    if (size < 0 || sectorBytes < 1 || size % sectorBytes != 0) {
      throw new IllegalArgumentException("size must be whole sectors");
    }
    strict = true;
    this.sectorBytes = sectorBytes;
    bytes = new byte[size];
    this.size = size;
    erase(0, size);
  }

  /**
   * Makes this region {@code bytes[offset, offset + length)}, or empty if that range is not in
   * {@code bytes} (an emulated flash keeps its own array: it ignores this call).
   */
  public ArrayFlash wrap(byte[] bytes, int offset, int length) {
    if (!strict) {
      boolean valid = bytes != null && FlashStatus.inside(offset, length, bytes.length);
      this.bytes = valid ? bytes : null;
      base = valid ? offset : 0;
      size = valid ? length : 0;
    }
    return this;
  }

  /** The backing array (region byte k is {@code bytes()[k + offset()]}). */
  public byte[] bytes() {
    return bytes;
  }

  public int offset() {
    return base;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public int sectorBytes() {
    return sectorBytes;
  }

  @Override
  public int read(int offset, byte[] dst, int dstOffset, int length) {
    if (dst == null
        || !FlashStatus.inside(offset, length, size)
        || !FlashStatus.inside(dstOffset, length, dst.length)) {
      return FlashStatus.OUT_OF_RANGE;
    }
    System.arraycopy(bytes, base + offset, dst, dstOffset, length);
    return FlashStatus.OK;
  }

  @Override
  public int write(int offset, byte[] src, int srcOffset, int length) {
    if (src == null
        || !FlashStatus.inside(offset, length, size)
        || !FlashStatus.inside(srcOffset, length, src.length)) {
      return FlashStatus.OUT_OF_RANGE;
    }
    if (strict) {
      for (int k = 0; k < length; k++) {
        if (bytes[base + offset + k] != (byte) FlashStatus.ERASED) {
          return FlashStatus.NOT_ERASED;
        }
      }
    }
    System.arraycopy(src, srcOffset, bytes, base + offset, length);
    return FlashStatus.OK;
  }

  @Override
  public int erase(int offset, int length) {
    if (!FlashStatus.inside(offset, length, size)) {
      return FlashStatus.OUT_OF_RANGE;
    }
    if (offset % sectorBytes != 0 || length % sectorBytes != 0) {
      return FlashStatus.MISALIGNED;
    }
    for (int k = 0; k < length; k++) {
      bytes[base + offset + k] = (byte) FlashStatus.ERASED;
    }
    return FlashStatus.OK;
  }
}
