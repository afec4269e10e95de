package dev.spela.protocols.storage;

/**
 * The device's storage port: one area of flash (an image slot, a checkpoint area, a state record),
 * as MCUboot's {@code flash_area_*} calls see it. Offsets are relative to the area's first byte.
 * Every call returns a {@link FlashStatus} code and never throws; a call outside the area changes
 * nothing and returns {@link FlashStatus#OUT_OF_RANGE}.
 *
 * <p>Flash rules an implementation may enforce and every caller follows: {@link #erase} works on
 * whole sectors (offset and length multiples of {@link #sectorBytes}) and leaves the bytes 0xFF;
 * {@link #write} only onto erased bytes. Implementations: {@link ArrayFlash} (a byte array: tests
 * and host tools), a file-backed one for virtual boards, a native one in firmware.
 */
public interface FlashRegion {

  /** Bytes in the area. */
  int size();

  /** The erase unit: {@link #erase} takes whole sectors of this many bytes. */
  int sectorBytes();

  /** Copies {@code length} bytes from {@code offset} to {@code dst[dstOffset..]}. */
  int read(int offset, byte[] dst, int dstOffset, int length);

  /** Programs {@code length} bytes of {@code src[srcOffset..]} at {@code offset} (erased bytes). */
  int write(int offset, byte[] src, int srcOffset, int length);

  /** Sets {@code length} bytes from {@code offset} to 0xFF; both are multiples of the sector. */
  int erase(int offset, int length);
}
