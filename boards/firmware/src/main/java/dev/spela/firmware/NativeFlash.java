package dev.spela.firmware;

import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;

/**
 * One of the board's flash regions ({@link Natives#SLOT_A} .. {@link Natives#STATE_1}) as the
 * runtime's storage port: every range is checked here, by the port's own rules ({@link FlashStatus#checkTransfer}, {@link FlashStatus#checkErase}), so the natives
 * never see a bad one.
 */
final class NativeFlash implements FlashRegion {

  private final int region;

  NativeFlash(int region) {
    this.region = region;
  }

  @Override
  public int size() {
    return Natives.flashSize(region);
  }

  @Override
  public int sectorBytes() {
    return Natives.flashSectorBytes();
  }

  @Override
  public int read(int offset, byte[] dst, int dstOffset, int length) {
    int status = FlashStatus.checkTransfer(offset, length, size(), dst, dstOffset);
    if (status == FlashStatus.OK) {
      Natives.flashRead(region, offset, dst, dstOffset, length);
    }
    return status;
  }

  @Override
  public int write(int offset, byte[] src, int srcOffset, int length) {
    int status = FlashStatus.checkTransfer(offset, length, size(), src, srcOffset);
    if (status != FlashStatus.OK) {
      return status;
    }
    return Natives.flashWrite(region, offset, src, srcOffset, length) == 0
        ? FlashStatus.OK
        : FlashStatus.NOT_ERASED;
  }

  @Override
  public int erase(int offset, int length) {
    int status = FlashStatus.checkErase(offset, length, size(), sectorBytes());
    if (status == FlashStatus.OK) {
      Natives.flashErase(region, offset, length);
    }
    return status;
  }
}
