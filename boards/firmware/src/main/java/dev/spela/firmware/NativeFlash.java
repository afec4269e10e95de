package dev.spela.firmware;

import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;

/**
 * One of the board's flash regions ({@link Natives#SLOT_A}, {@link Natives#SLOT_B}, {@link
 * Natives#CHECKPOINT}) as the runtime's storage port: every range is checked here, so the natives
 * never see a bad one.
 */
final class NativeFlash implements FlashRegion {

  private final int region;

  NativeFlash(int region) {
    this.region = region;
  }

  @Override
  public int size() {
    return Natives.flashSize();
  }

  @Override
  public int sectorBytes() {
    return Natives.flashSectorBytes();
  }

  @Override
  public int read(int offset, byte[] dst, int dstOffset, int length) {
    if (!inRange(offset, dst, dstOffset, length)) {
      return FlashStatus.OUT_OF_RANGE;
    }
    Natives.flashRead(region, offset, dst, dstOffset, length);
    return FlashStatus.OK;
  }

  @Override
  public int write(int offset, byte[] src, int srcOffset, int length) {
    if (!inRange(offset, src, srcOffset, length)) {
      return FlashStatus.OUT_OF_RANGE;
    }
    return Natives.flashWrite(region, offset, src, srcOffset, length) == 0
        ? FlashStatus.OK
        : FlashStatus.NOT_ERASED;
  }

  @Override
  public int erase(int offset, int length) {
    int sector = sectorBytes();
    if (!FlashStatus.inside(offset, length, size())) {
      return FlashStatus.OUT_OF_RANGE;
    }
    if (offset % sector != 0 || length % sector != 0) {
      return FlashStatus.MISALIGNED;
    }
    Natives.flashErase(region, offset, length);
    return FlashStatus.OK;
  }

  private boolean inRange(int offset, byte[] buffer, int bufferOffset, int length) {
    return buffer != null
        && FlashStatus.inside(offset, length, size())
        && FlashStatus.inside(bufferOffset, length, buffer.length);
  }
}
