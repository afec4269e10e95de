package dev.spela.protocols.fleet;

import dev.spela.protocols.checksum.Sha256;

/**
 * OFFER (host -> device, type 0x83): announces an image transfer: its id, length, block size, the
 * SHA-256 of the whole image (as {@code sha256sum} prints it; it names the image everywhere) and
 * the image's security counter, so that a device refuses a downgrade before any block moves.
 */
public final class OfferMessage extends Message {

  public static final int TRANSFER_ID = 0;
  public static final int IMAGE_LENGTH = 4;
  public static final int BLOCK_LOG2 = 8;
  public static final int SHA256 = 12;
  public static final int SECURITY_COUNTER = 44;
  public static final int RESERVED_48 = 48;
  public static final int BODY_LENGTH = 52;

  public OfferMessage() {
    super(FleetProtocol.OFFER, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    int log2 = blockLog2();
    return require(
        transferId() != 0
            && imageLength() > 0
            && log2 >= FleetProtocol.MIN_BLOCK_LOG2
            && log2 <= FleetProtocol.MAX_BLOCK_LOG2
            && zeros(BLOCK_LOG2 + 1, 3)
            && zeros(RESERVED_48, 4));
  }

  /** Non-zero host-chosen id (u32); the same id always means the same image. */
  public int transferId() {
    return i32(TRANSFER_ID);
  }

  /** 1 .. 2^31 - 1 bytes. */
  public int imageLength() {
    return i32(IMAGE_LENGTH);
  }

  /** Block size as a power of two, 10 .. 12 (1, 2 or 4 KiB). */
  public int blockLog2() {
    return u8(BLOCK_LOG2);
  }

  public void sha256(byte[] out, int outOffset) {
    copyOut(SHA256, out, outOffset, Sha256.DIGEST_LENGTH);
  }

  /** True if the offered digest equals {@code sha[shaOffset..+32)}. */
  public boolean sha256Equals(byte[] sha, int shaOffset) {
    int diff = 0;
    for (int k = 0; k < Sha256.DIGEST_LENGTH; k++) {
      diff |= buffer[at(SHA256 + k)] ^ sha[shaOffset + k];
    }
    return diff == 0;
  }

  /**
   * The security counter the offered image carries (u32): a device whose running image has a
   * larger one refuses the offer (DOWNGRADE).
   */
  public int securityCounter() {
    return i32(SECURITY_COUNTER);
  }

  public OfferMessage securityCounter(int counter) {
    put32(SECURITY_COUNTER, counter);
    return this;
  }

  public OfferMessage offer(
      int transferId, int imageLength, int blockLog2, byte[] sha, int shaOffset) {
    put32(TRANSFER_ID, transferId);
    put32(IMAGE_LENGTH, imageLength);
    put8(BLOCK_LOG2, blockLog2);
    copyIn(SHA256, sha, shaOffset, Sha256.DIGEST_LENGTH);
    return this;
  }
}
