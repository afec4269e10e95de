package dev.spela.protocols.checksum;

/**
 * CRC-32 as in ISO-HDLC / zip / PNG (reflected polynomial 0xEDB88320, initial value and final xor
 * 0xFFFFFFFF). Table-driven; the table is shared by all instances, so an instance allocates
 * nothing.
 */
public final class Crc32 {

  private static final int POLYNOMIAL = 0xEDB88320;

  /** Bytes of the lookup table all instances share (the only array this class allocates). */
  public static final int TABLE_BYTES = 4 * 256;

  private static final int[] TABLE = new int[256];

  static {
    for (int n = 0; n < 256; n++) {
      int c = n;
      for (int k = 0; k < 8; k++) {
        c = (c & 1) != 0 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
      }
      TABLE[n] = c;
    }
  }

  private int state;

  public Crc32() {
    reset();
  }

  public void reset() {
    state = 0xFFFFFFFF;
  }

  public void update(byte[] data, int offset, int length) {
    int c = state;
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      c = TABLE[(c ^ data[i]) & 0xFF] ^ (c >>> 8);
    }
    state = c;
  }

  /** The CRC of everything passed to {@link #update} since the last reset. */
  public int value() {
    return ~state;
  }
}
