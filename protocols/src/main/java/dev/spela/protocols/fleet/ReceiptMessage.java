package dev.spela.protocols.fleet;

import dev.spela.protocols.subset.SteadyState;

/**
 * RECEIPT (host -> device, type 0x86) on the device's CMD topic: which of its DATA records a
 * collector has committed to its store (PROTOCOL.md section 9, "Receipts"). Bit {@code i} of the
 * bitmap names record {@code firstRecord + i} of the boot {@code (lifeId, bootCount)}; a bitmap
 * rather than a watermark, because collectors sharing DATA each store only some records. The
 * header's bdSeq is the device session of the DATA it answers.
 */
@SteadyState
public final class ReceiptMessage extends Message {

  public static final int LIFE_ID = 0;
  public static final int BOOT_COUNT = 8;
  public static final int FIRST_RECORD = 12;
  public static final int BITMAP = 16;
  public static final int BODY_LENGTH = 20;

  /** Records one receipt can name: the bits of its bitmap. */
  public static final int SPAN = 32;

  public ReceiptMessage() {
    super(FleetProtocol.RECEIPT, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    return require(bitmap() != 0);
  }

  public long lifeId() {
    return i64(LIFE_ID);
  }

  /** The boot the records were taken in (u32 counter). */
  public int bootCount() {
    return i32(BOOT_COUNT);
  }

  /** The record counter of bit 0 (u32 counter). */
  public int firstRecord() {
    return i32(FIRST_RECORD);
  }

  /** Bit i: record {@code firstRecord + i} (mod 2^32) is stored. Never 0. */
  public int bitmap() {
    return i32(BITMAP);
  }

  /** True if the receipt names record {@code recordCounter}. */
  public boolean names(int recordCounter) {
    int bit = recordCounter - firstRecord();
    return bit >= 0 && bit < SPAN && (bitmap() >>> bit & 1) != 0;
  }

  public ReceiptMessage receipt(long lifeId, int bootCount, int firstRecord, int bitmap) {
    put64(LIFE_ID, lifeId);
    put32(BOOT_COUNT, bootCount);
    put32(FIRST_RECORD, firstRecord);
    put32(BITMAP, bitmap);
    return this;
  }
}
