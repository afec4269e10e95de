package dev.spela.protocols.fleet;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.checksum.Crc32;
import dev.spela.protocols.subset.SteadyState;

/**
 * BLOCK (host -> device, type 0x84): {@link #dataLength} bytes of an image at {@link #imageOffset},
 * with their CRC-32. Decoding checks the structure only; {@link #crcMatches} checks the data (the
 * receiver asks again for a block that fails it).
 */
@SteadyState
public final class BlockMessage extends Message {

  public static final int TRANSFER_ID = 0;
  public static final int OFFSET = 4;
  public static final int DATA_LENGTH = 8;
  public static final int CRC32 = 12;
  public static final int DATA = 16;
  public static final int MAX_BODY_LENGTH = DATA + FleetProtocol.MAX_BLOCK_LENGTH;

  private final Crc32 crc = new Crc32();

  public BlockMessage() {
    super(FleetProtocol.BLOCK, DATA, MAX_BODY_LENGTH);
  }

  @Override
  protected int expectedBodyLength() {
    int length = dataLength();
    return length >= 1 && length <= FleetProtocol.MAX_BLOCK_LENGTH
        ? DATA + length
        : FleetStatus.BAD_FIELD;
  }

  @Override
  protected int checkBody() {
    return require(transferId() != 0 && imageOffset() >= 0);
  }

  public int transferId() {
    return i32(TRANSFER_ID);
  }

  /** Byte offset of the block in the image. */
  public int imageOffset() {
    return i32(OFFSET);
  }

  public int dataLength() {
    return i32(DATA_LENGTH);
  }

  public int crc32() {
    return i32(CRC32);
  }

  /** Position of the first data byte in {@link #buffer()}. */
  public int dataOffset() {
    return at(DATA);
  }

  /** True if the data's CRC-32 equals the CRC field. */
  public boolean crcMatches() {
    crc.reset();
    crc.update(buffer, at(DATA), dataLength());
    return crc.value() == crc32();
  }

  /**
   * Writes a block: header fields, the data copied from {@code src} and its CRC-32. {@link
   * FleetStatus#BAD_FIELD} for a length outside 1 .. 4096, {@link FleetStatus#BAD_ARGUMENT} if
   * {@code src} does not hold it, {@link FleetStatus#NO_SPACE} if the buffer cannot hold it.
   */
  public int block(int transferId, int offset, byte[] src, int srcOffset, int length) {
    if (length < 1 || length > FleetProtocol.MAX_BLOCK_LENGTH) {
      return FleetStatus.BAD_FIELD;
    }
    if (!Bounds.within(src, srcOffset, length)) {
      return FleetStatus.BAD_ARGUMENT;
    }
    int status = resizeBody(DATA + length);
    if (status != FleetStatus.OK) {
      return status;
    }
    put32(TRANSFER_ID, transferId);
    put32(OFFSET, offset);
    put32(DATA_LENGTH, length);
    copyIn(DATA, src, srcOffset, length);
    crc.reset();
    crc.update(src, srcOffset, length);
    put32(CRC32, crc.value());
    return FleetStatus.OK;
  }
}
