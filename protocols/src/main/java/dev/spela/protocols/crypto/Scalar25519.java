package dev.spela.protocols.crypto;

/**
 * Scalars of Ed25519: integers modulo the group order L = 2^252 + c, c =
 * 27742317777372353535851937790883648493, as 32 little-endian bytes. Verification needs two things:
 * that a signature's S is below L, and the 64-byte SHA-512 digest reduced modulo L.
 */
final class Scalar25519 {

  static final int LENGTH = 32;

  /** L, little-endian bytes. */
  private static final int[] L = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10
  };

  /** Signed base-2^8 digits of the number being reduced (longs: the folding below overshoots). */
  private final long[] digits = new long[64];

  /** Whether {@code s[offset..offset+32)}, little-endian, is below L. */
  static boolean isBelowOrder(byte[] s, int offset) {
    for (int i = LENGTH - 1; i >= 0; i--) {
      int digit = s[offset + i] & 0xFF;
      if (digit != L[i]) {
        return digit < L[i];
      }
    }
    return false; // equal to L
  }

  /** {@code out[outOffset..+32) = in[inOffset..+64) mod L}, little-endian. */
  void reduce(byte[] out, int outOffset, byte[] in, int inOffset) {
    long[] x = digits;
    for (int i = 0; i < 64; i++) {
      x[i] = in[inOffset + i] & 0xFF;
    }
    // Digit i >= 32 weighs 2^(8 (i - 32)) 2^256, and 2^256 = 16 2^252 = -16 c (mod L): replace it
    // by -16 x_i c at digit i - 32. c has 16 bytes (L's bytes 16..30 are zero), so the
    // subtraction touches digits i - 32 .. i - 17; the carry runs on to digit i - 12, which keeps
    // every digit in [-128, 128) except the one that receives it.
    for (int i = 63; i >= 32; i--) {
      long carry = 0;
      int j = i - 32;
      for (; j < i - 12; j++) {
        x[j] += carry - 16 * x[i] * L[j - (i - 32)];
        carry = (x[j] + 128) >> 8;
        x[j] -= carry << 8;
      }
      x[j] += carry;
      x[i] = 0;
    }
    // Now the value has 32 digits and is below 2^256 in size: subtract floor(x / 2^252) L (read
    // from the top digit), normalising digits to 0..255 as we go; at most one more L remains.
    long carry = 0;
    long top = x[31] >> 4;
    for (int j = 0; j < LENGTH; j++) {
      x[j] += carry - top * L[j];
      carry = x[j] >> 8;
      x[j] &= 255;
    }
    for (int j = 0; j < LENGTH; j++) {
      x[j] -= carry * L[j];
    }
    for (int j = 0; j < LENGTH; j++) {
      x[j + 1] += x[j] >> 8;
      out[outOffset + j] = (byte) x[j];
    }
  }
}
