package dev.spela.protocols.fleet;

import dev.spela.protocols.subset.SteadyState;

/**
 * BLOCK_REQUEST (device -> host, type 0x05): asks for {@link #blockCount} consecutive blocks of a
 * transfer starting at {@link #imageOffset} (a multiple of the block size). The device pulls: it
 * sends the next request once the requested blocks arrived, or again after its retry timeout.
 */
@SteadyState
public final class BlockRequestMessage extends Message {

  public static final int TRANSFER_ID = 0;
  public static final int OFFSET = 4;
  public static final int BLOCK_COUNT = 8;
  public static final int BODY_LENGTH = 12;

  /** Most blocks one request may ask for. */
  public static final int MAX_BLOCK_COUNT = 16;

  public BlockRequestMessage() {
    super(FleetProtocol.BLOCK_REQUEST, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    return require(
        transferId() != 0
            && imageOffset() >= 0
            && blockCount() >= 1
            && blockCount() <= MAX_BLOCK_COUNT
            && zeros(BLOCK_COUNT + 2, 2));
  }

  public int transferId() {
    return i32(TRANSFER_ID);
  }

  /** Byte offset of the block in the image. */
  public int imageOffset() {
    return i32(OFFSET);
  }

  public int blockCount() {
    return u16(BLOCK_COUNT);
  }

  public BlockRequestMessage request(int transferId, int offset, int blockCount) {
    put32(TRANSFER_ID, transferId);
    put32(OFFSET, offset);
    put16(BLOCK_COUNT, blockCount);
    return this;
  }
}
