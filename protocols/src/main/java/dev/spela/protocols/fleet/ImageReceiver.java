package dev.spela.protocols.fleet;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.checksum.Sha256;
import dev.spela.protocols.image.ImageSignature;
import dev.spela.protocols.subset.SteadyState;

/**
 * The device's side of an image transfer (PROTOCOL.md, "Image transfer"): decides what to do with
 * an OFFER, checks each BLOCK against the transfer's progress, writes BLOCK_REQUESTs and checks the
 * whole image's SHA-256. The device owns the inactive slot: it writes each accepted block's data
 * there, persists the progress ({@link #transferId}, {@link #imageLength}, {@link #blockLog2},
 * {@link #sha256}, {@link #nextOffset}) after the write, and after a restart rebuilds the receiver
 * with {@link #restore}, so a transfer resumes from its last accepted block.
 */
@SteadyState
public final class ImageReceiver {

  /** {@link #offer} result: a new transfer; erase the inactive slot, then request from 0. */
  public static final int START = 1;

  /** {@link #offer} result: the transfer in progress; request from {@link #nextOffset}. */
  public static final int RESUME = 2;

  /** {@link #offer} result: send a REFUSED VERDICT with {@link #refusal} as its reason. */
  public static final int REFUSE = 3;

  private final int slotBytes;
  private final int maxBlockLog2;
  private final byte[] sha = new byte[Sha256.DIGEST_LENGTH];
  private final Sha256 digest = new Sha256();
  private int transferId;
  private int imageLength;
  private int blockLog2;
  private int nextOffset;
  private int refusal;
  private int hashed;

  /**
   * @param slotBytes size of the inactive slot (0: this device receives no images)
   * @param maxBlockLog2 largest block the device can buffer, 10 .. 12 (ignored without a slot)
   */
  public ImageReceiver(int slotBytes, int maxBlockLog2) {
    if (slotBytes < 0
        || slotBytes > 0
            && (maxBlockLog2 < FleetProtocol.MIN_BLOCK_LOG2
                || maxBlockLog2 > FleetProtocol.MAX_BLOCK_LOG2)) {
      throw new IllegalArgumentException("slot size or block size out of range");
    }
    this.slotBytes = slotBytes;
    this.maxBlockLog2 = maxBlockLog2;
  }

  /**
   * Handles a decoded OFFER. The same transfer id, length, block size and digest as the kept
   * progress resume it; any other acceptable offer replaces it (the caller reports the old one
   * SUPERSEDED if it was unfinished). Checks in this order: slot, block size, length.
   *
   * @return {@link #START}, {@link #RESUME} or {@link #REFUSE}
   */
  public int offer(OfferMessage offer) {
    refusal = VerdictMessage.NONE;
    if (slotBytes == 0) {
      refusal = VerdictMessage.NO_SLOT;
    } else if (offer.blockLog2() > maxBlockLog2) {
      refusal = VerdictMessage.BAD_BLOCK_SIZE;
    } else if (offer.imageLength() > slotBytes) {
      refusal = VerdictMessage.TOO_LARGE;
    }
    if (refusal != VerdictMessage.NONE) {
      return REFUSE;
    }
    if (offer.transferId() == transferId
        && offer.imageLength() == imageLength
        && offer.blockLog2() == blockLog2
        && offer.sha256Equals(sha, 0)) {
      return RESUME;
    }
    clear();
    transferId = offer.transferId();
    imageLength = offer.imageLength();
    blockLog2 = offer.blockLog2();
    offer.sha256(sha, 0);
    return START;
  }

  /**
   * Checks a decoded BLOCK against the progress. On {@link FleetStatus#OK} the progress has
   * advanced past the block: write its data ({@code block.buffer()} from {@code
   * block.dataOffset()}, {@code block.dataLength()} bytes) to the slot at {@code
   * block.imageOffset()}, then persist {@link #nextOffset}. Otherwise drop the block: {@link
   * FleetStatus#WRONG_TRANSFER}, {@link FleetStatus#DUPLICATE} (already written, or the image is
   * complete), {@link FleetStatus#OUT_OF_ORDER}, {@link FleetStatus#BAD_FIELD} (a length other than
   * the block's) or {@link FleetStatus#BAD_CRC}; after the last two, request {@link #nextOffset}
   * again at once.
   */
  public int accept(BlockMessage block) {
    if (transferId == 0 || block.transferId() != transferId) {
      return FleetStatus.WRONG_TRANSFER;
    }
    int offset = block.imageOffset();
    if (offset < nextOffset || complete()) {
      return FleetStatus.DUPLICATE;
    }
    if (offset > nextOffset) {
      return FleetStatus.OUT_OF_ORDER;
    }
    if (block.dataLength() != Math.min(blockLength(), imageLength - nextOffset)) {
      return FleetStatus.BAD_FIELD;
    }
    if (!block.crcMatches()) {
      return FleetStatus.BAD_CRC;
    }
    nextOffset += block.dataLength();
    return FleetStatus.OK;
  }

  /**
   * Fills a BLOCK_REQUEST (wrapped for encoding) asking for up to {@code maxBlocks} blocks from
   * {@link #nextOffset}. {@link FleetStatus#BAD_FIELD} if there is no transfer, it is complete, or
   * {@code maxBlocks} is outside 1 .. {@link BlockRequestMessage#MAX_BLOCK_COUNT}.
   */
  public int request(BlockRequestMessage out, int maxBlocks) {
    if (transferId == 0
        || complete()
        || maxBlocks < 1
        || maxBlocks > BlockRequestMessage.MAX_BLOCK_COUNT) {
      return FleetStatus.BAD_FIELD;
    }
    int remaining = (int) (((long) imageLength - nextOffset + blockLength() - 1) >> blockLog2);
    out.request(transferId, nextOffset, Math.min(maxBlocks, remaining));
    return FleetStatus.OK;
  }

  /** True once every byte of the image has been accepted. */
  public boolean complete() {
    return transferId != 0 && nextOffset == imageLength;
  }

  /**
   * Feeds the slot's bytes, in order, to the whole-image check: those of the model image (see
   * {@link #hashMatches}), in as many calls as convenient (a flash slot is read in chunks).
   */
  public void hash(byte[] data, int offset, int length) {
    if (!Bounds.within(data, offset, length)) {
      return; // fed nothing: the count then shows the image incomplete
    }
    digest.update(data, offset, length);
    hashed += length;
  }

  /**
   * True if exactly {@code length} bytes were fed and their SHA-256 is the offered one; starts a
   * new check. {@code length} is the model image's part of the transfer: all {@link #imageLength}
   * bytes, or all but a signature trailer (MODEL_FORMAT.md, "Signed images"), which its signature
   * protects instead.
   */
  public boolean hashMatches(int length) {
    boolean whole = length == imageLength || length == imageLength - ImageSignature.TRAILER_LENGTH;
    boolean matches = digest.finishAndCompare(sha, 0) && hashed == length && whole;
    hashed = 0;
    return matches;
  }

  /**
   * Rebuilds the progress persisted before a restart. Returns {@link FleetStatus#OK}, or {@link
   * FleetStatus#BAD_FIELD} (and a cleared receiver) if it does not describe a transfer this
   * receiver could have accepted: restart such a transfer from an OFFER.
   */
  public int restore(
      int transferId, int imageLength, int blockLog2, byte[] sha, int shaOffset, int nextOffset) {
    clear();
    boolean aligned =
        nextOffset == imageLength || (nextOffset & ((1 << (blockLog2 & 31)) - 1)) == 0;
    if (transferId == 0
        || slotBytes == 0
        || imageLength < 1
        || imageLength > slotBytes
        || blockLog2 < FleetProtocol.MIN_BLOCK_LOG2
        || blockLog2 > maxBlockLog2
        || nextOffset < 0
        || nextOffset > imageLength
        || !aligned
        || !Bounds.within(sha, shaOffset, Sha256.DIGEST_LENGTH)) {
      return FleetStatus.BAD_FIELD;
    }
    this.transferId = transferId;
    this.imageLength = imageLength;
    this.blockLog2 = blockLog2;
    this.nextOffset = nextOffset;
    System.arraycopy(sha, shaOffset, this.sha, 0, Sha256.DIGEST_LENGTH);
    return FleetStatus.OK;
  }

  /** Forgets the transfer (after a VERDICT, or when its image was refused). */
  public void clear() {
    transferId = 0;
    imageLength = 0;
    blockLog2 = 0;
    nextOffset = 0;
    for (int k = 0; k < Sha256.DIGEST_LENGTH; k++) {
      sha[k] = 0;
    }
    digest.reset();
    hashed = 0;
  }

  /** The current transfer's id, 0 if none. */
  public int transferId() {
    return transferId;
  }

  public int imageLength() {
    return imageLength;
  }

  public int blockLog2() {
    return blockLog2;
  }

  public int blockLength() {
    return 1 << blockLog2;
  }

  /** Bytes accepted so far: the offset of the next block to request. */
  public int nextOffset() {
    return nextOffset;
  }

  /** Copies the transfer's SHA-256 to {@code out[outOffset..]}, if it fits there. */
  public void sha256(byte[] out, int outOffset) {
    if (Bounds.within(out, outOffset, Sha256.DIGEST_LENGTH)) {
      System.arraycopy(sha, 0, out, outOffset, Sha256.DIGEST_LENGTH);
    }
  }

  /** The VERDICT reason of the last {@link #REFUSE}. */
  public int refusal() {
    return refusal;
  }
}
