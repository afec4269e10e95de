package dev.spela.protocols.fleet;

import dev.spela.protocols.checksum.Sha256;

/**
 * VERDICT (device -> host, type 0x06): how a transfer ended: the new image confirmed after its
 * trial boot, rolled back, or refused (with a reason and, for an invalid image, the model-image
 * validator's status in {@link #detail}). Carries the SHA-256 of the image running afterwards.
 */
public final class VerdictMessage extends Message {

  public static final int TRANSFER_ID = 0;
  public static final int OUTCOME = 4;
  public static final int REASON = 5;
  public static final int DETAIL = 6;
  public static final int RUNNING_SHA256 = 8;
  public static final int BODY_LENGTH = 40;

  // Outcomes.
  public static final int CONFIRMED = 1;
  public static final int ROLLED_BACK = 2;
  public static final int REFUSED = 3;

  // Reasons.
  public static final int NONE = 0;

  /** The device has no inactive slot (no image-transfer capability). */
  public static final int NO_SLOT = 1;

  public static final int TOO_LARGE = 2;
  public static final int BAD_BLOCK_SIZE = 3;

  /** The received image's SHA-256 differs from the offer's. */
  public static final int BAD_DIGEST = 4;

  /** Not a valid model image; detail = the validator's status (MODEL_FORMAT.md). */
  public static final int INVALID_IMAGE = 5;

  /** A valid image that needs more memory than the device planned; detail = its status. */
  public static final int DOES_NOT_FIT = 6;

  public static final int WRITE_FAILED = 7;

  /** The trial boot did not load the image or restarted before confirming it. */
  public static final int TRIAL_FAILED = 8;

  /** The offered image is the running one: confirmed without a transfer. */
  public static final int ALREADY_RUNNING = 9;

  /** Another offer replaced this transfer before it finished. */
  public static final int SUPERSEDED = 10;

  /** A trial image awaits confirmation; offer again after its verdict. */
  public static final int BUSY = 11;

  /** The image is unsigned, signed by an unknown key, or its signature does not verify. */
  public static final int BAD_SIGNATURE = 12;

  /** The image's security counter is below the running image's. */
  public static final int DOWNGRADE = 13;

  public static final int LAST_REASON = DOWNGRADE;

  public VerdictMessage() {
    super(FleetProtocol.VERDICT, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    return require(
        transferId() != 0
            && outcome() >= CONFIRMED
            && outcome() <= REFUSED
            && reason() <= LAST_REASON);
  }

  public int transferId() {
    return i32(TRANSFER_ID);
  }

  public int outcome() {
    return u8(OUTCOME);
  }

  public int reason() {
    return u8(REASON);
  }

  public int detail() {
    return i16(DETAIL);
  }

  public void runningSha256(byte[] out, int outOffset) {
    copyOut(RUNNING_SHA256, out, outOffset, Sha256.DIGEST_LENGTH);
  }

  /** {@code runningSha} may be null when no image runs (written as zeros). */
  public VerdictMessage verdict(
      int transferId, int outcome, int reason, int detail, byte[] runningSha, int shaOffset) {
    put32(TRANSFER_ID, transferId);
    put8(OUTCOME, outcome);
    put8(REASON, reason);
    put16(DETAIL, detail);
    for (int k = 0; k < Sha256.DIGEST_LENGTH; k++) {
      put8(RUNNING_SHA256 + k, runningSha == null ? 0 : runningSha[shaOffset + k]);
    }
    return this;
  }
}
