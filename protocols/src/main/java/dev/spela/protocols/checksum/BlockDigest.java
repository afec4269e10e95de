package dev.spela.protocols.checksum;

/**
 * What SHA-256 and SHA-512 share (FIPS 180-4, sections 5.1 and 5.3): buffering the message into
 * blocks and padding its end with a 1 bit, zeros and its length in bits. Subclasses compress a
 * block and write the digest. The buffer is allocated once; nothing here allocates afterwards.
 */
public abstract class BlockDigest {

  /** The partial block; subclasses may use it as scratch after {@link #pad}. */
  protected final byte[] block;

  private final int lengthFieldBytes;
  private int blockFill;
  private long byteCount;

  /**
   * @param blockLength 64 (SHA-256) or 128 (SHA-512) bytes
   * @param lengthFieldBytes 8 or 16: the bit count's field at the end of the padding (only its low
   *     8 bytes can be non-zero here: messages are far below 2^61 bytes)
   */
  protected BlockDigest(int blockLength, int lengthFieldBytes) {
    this.block = new byte[blockLength];
    this.lengthFieldBytes = lengthFieldBytes;
  }

  public void update(byte[] data, int offset, int length) {
    byteCount += length;
    int i = offset;
    int end = offset + length;
    if (blockFill > 0) {
      while (blockFill < block.length && i < end) {
        block[blockFill++] = data[i++];
      }
      if (blockFill < block.length) {
        return;
      }
      compress(block, 0);
      blockFill = 0;
    }
    while (end - i >= block.length) {
      compress(data, i);
      i += block.length;
    }
    while (i < end) {
      block[blockFill++] = data[i++];
    }
  }

  /** Pads the message and compresses its last block(s); the digest is then in the state. */
  protected final void pad() {
    long bits = byteCount << 3;
    block[blockFill++] = (byte) 0x80;
    if (blockFill > block.length - lengthFieldBytes) {
      while (blockFill < block.length) {
        block[blockFill++] = 0;
      }
      compress(block, 0);
      blockFill = 0;
    }
    while (blockFill < block.length - 8) {
      block[blockFill++] = 0;
    }
    for (int k = 0; k < 8; k++) {
      block[block.length - 8 + k] = (byte) (bits >>> (56 - 8 * k));
    }
    compress(block, 0);
  }

  /** Takes {@code other}'s buffered block and byte count (same block length): no allocation. */
  protected final void copyBufferFrom(BlockDigest other) {
    System.arraycopy(other.block, 0, block, 0, block.length);
    blockFill = other.blockFill;
    byteCount = other.byteCount;
  }

  /** Starts a new message (subclasses also reset their state). */
  protected final void clearBuffer() {
    blockFill = 0;
    byteCount = 0;
  }

  /** Runs the compression function on {@code src[at..at + block length)}. */
  protected abstract void compress(byte[] src, int at);
}
