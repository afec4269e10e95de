package dev.spela.protocols.checksum;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.subset.SteadyState;

/**
 * HMAC-SHA256 (RFC 2104, FIPS 198-1) on top of {@link Sha256}. Set the key once with {@link #key};
 * then each message is {@link #update} calls followed by {@link #finish} or {@link
 * #finishAndCompare}, after which the next message can start with the same key. All buffers are
 * allocated in the constructor.
 */
@SteadyState
public final class HmacSha256 {

  public static final int MAC_LENGTH = Sha256.DIGEST_LENGTH;
  private static final int BLOCK_LENGTH = 64;

  private final Sha256 sha = new Sha256();
  private final byte[] innerPad = new byte[BLOCK_LENGTH];
  private final byte[] outerPad = new byte[BLOCK_LENGTH];
  private final byte[] innerDigest = new byte[Sha256.DIGEST_LENGTH];

  /**
   * Sets the key (any length; a key longer than 64 bytes is replaced by its SHA-256); keeps the
   * previous key if the range is not in the array.
   */
  public void key(byte[] key, int offset, int length) {
    if (!Bounds.within(key, offset, length)) {
      return;
    }
    for (int k = 0; k < BLOCK_LENGTH; k++) {
      innerPad[k] = 0;
    }
    if (length > BLOCK_LENGTH) {
      sha.reset();
      sha.update(key, offset, length);
      sha.finish(innerPad, 0);
    } else {
      System.arraycopy(key, offset, innerPad, 0, length);
    }
    for (int k = 0; k < BLOCK_LENGTH; k++) {
      outerPad[k] = (byte) (innerPad[k] ^ 0x5c);
      innerPad[k] = (byte) (innerPad[k] ^ 0x36);
    }
    start();
  }

  public void update(byte[] data, int offset, int length) {
    sha.update(data, offset, length);
  }

  /** Writes the 32-byte MAC of the message to {@code out[offset..]} and starts the next one. */
  public void finish(byte[] out, int offset) {
    outer();
    sha.finish(out, offset);
    start();
  }

  /**
   * Compares the message's MAC with {@code expected[offset..offset+32)} in time independent of
   * where they differ, and starts the next message.
   */
  public boolean finishAndCompare(byte[] expected, int offset) {
    outer();
    boolean equal = sha.finishAndCompare(expected, offset);
    start();
    return equal;
  }

  private void outer() {
    sha.finish(innerDigest, 0);
    sha.update(outerPad, 0, BLOCK_LENGTH);
    sha.update(innerDigest, 0, Sha256.DIGEST_LENGTH);
  }

  private void start() {
    sha.reset();
    sha.update(innerPad, 0, BLOCK_LENGTH);
  }
}
