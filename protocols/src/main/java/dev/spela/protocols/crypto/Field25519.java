package dev.spela.protocols.crypto;

/**
 * Arithmetic modulo p = 2^255 - 19, shared by {@link Ed25519Verifier} and {@link X25519}.
 *
 * <p>An element is an {@code int[10]} of limbs in radix 2^25.5: limb i holds 26 bits when i is even
 * and 25 bits when i is odd, at bit offset ceil(25.5 i) (0, 26, 51, 77, 102, 128, 153, 179, 204,
 * 230), so the value is {@code sum h[i] 2^offset(i)}. Every operation leaves its result
 * <em>carried</em>: limbs non-negative and within their width (limb 1 may exceed it by at most
 * 2^14), value below 2p. Carried inputs keep every product below 2^58 and every sum of ten below
 * 2^61, so products need 64-bit accumulators and nothing else does: on a 32-bit core a product is
 * one multiply-accumulate (SMLAL), additions and carries are plain 32-bit operations.
 *
 * <p>The static operations need no scratch and may be given the same array as output and input. The
 * instance holds the temporaries of the exponentiations ({@link #invert}, {@link #pow22523}) and
 * the comparisons, allocated once. Nothing branches on the values (the verifier does not need that,
 * X25519's ladder does).
 */
public final class Field25519 {

  public static final int LIMBS = 10;
  public static final int ENCODED_LENGTH = 32;

  private static final int MASK_26 = (1 << 26) - 1;
  private static final int MASK_25 = (1 << 25) - 1;

  /** 2p in limbs: added before subtracting so that every limb stays non-negative. */
  private static final int[] TWO_P = {
    2 * (MASK_26 - 18), 2 * MASK_25, 2 * MASK_26, 2 * MASK_25, 2 * MASK_26,
    2 * MASK_25, 2 * MASK_26, 2 * MASK_25, 2 * MASK_26, 2 * MASK_25
  };

  private final int[] t0 = new int[LIMBS];
  private final int[] t1 = new int[LIMBS];
  private final int[] t2 = new int[LIMBS];
  private final int[] t3 = new int[LIMBS];
  private final byte[] bytes = new byte[ENCODED_LENGTH];
  private final byte[] otherBytes = new byte[ENCODED_LENGTH];

  public static void zero(int[] h) {
    for (int i = 0; i < LIMBS; i++) {
      h[i] = 0;
    }
  }

  public static void one(int[] h) {
    zero(h);
    h[0] = 1;
  }

  public static void copy(int[] h, int[] f) {
    System.arraycopy(f, 0, h, 0, LIMBS);
  }

  /** h = f + g. */
  public static void add(int[] h, int[] f, int[] g) {
    for (int i = 0; i < LIMBS; i++) {
      h[i] = f[i] + g[i];
    }
    carry(h);
  }

  /** h = f - g (as f + 2p - g, so no limb goes negative). */
  public static void sub(int[] h, int[] f, int[] g) {
    for (int i = 0; i < LIMBS; i++) {
      h[i] = f[i] + TWO_P[i] - g[i];
    }
    carry(h);
  }

  /** h = -f. */
  public static void negate(int[] h, int[] f) {
    for (int i = 0; i < LIMBS; i++) {
      h[i] = TWO_P[i] - f[i];
    }
    carry(h);
  }

  /** h = f * c for a small constant 0 <= c < 2^20 (X25519's a24 = 121665). */
  public static void mulSmall(int[] h, int[] f, int c) {
    long carry = 0;
    for (int i = 0; i < LIMBS; i++) {
      int width = 26 - (i & 1);
      long v = f[i] * (long) c + carry;
      carry = v >> width;
      h[i] = (int) (v - (carry << width));
    }
    h[0] += 19 * (int) carry; // carry < 2^21: 2^255 = 19 (mod p)
    int c0 = h[0] >> 26;
    h[0] -= c0 << 26;
    h[1] += c0;
  }

  /**
   * h = f * g. Limb product f_i g_j lands on limb i + j; it carries a factor 2 when i and j are
   * both odd (ceil(25.5 i) + ceil(25.5 j) = 25.5 (i + j) + 1), and a factor 19 when i + j >= 10
   * (2^255 = 19 mod p). Hence the doubled odd limbs {@code fN_2} and the {@code gN_19} below.
   */
  public static void mul(int[] h, int[] f, int[] g) {
    int f0 = f[0];
    int f1 = f[1];
    int f2 = f[2];
    int f3 = f[3];
    int f4 = f[4];
    int f5 = f[5];
    int f6 = f[6];
    int f7 = f[7];
    int f8 = f[8];
    int f9 = f[9];
    int f1_2 = 2 * f1;
    int f3_2 = 2 * f3;
    int f5_2 = 2 * f5;
    int f7_2 = 2 * f7;
    int f9_2 = 2 * f9;
    int g0 = g[0];
    int g1 = g[1];
    int g2 = g[2];
    int g3 = g[3];
    int g4 = g[4];
    int g5 = g[5];
    int g6 = g[6];
    int g7 = g[7];
    int g8 = g[8];
    int g9 = g[9];
    int g1_19 = 19 * g1;
    int g2_19 = 19 * g2;
    int g3_19 = 19 * g3;
    int g4_19 = 19 * g4;
    int g5_19 = 19 * g5;
    int g6_19 = 19 * g6;
    int g7_19 = 19 * g7;
    int g8_19 = 19 * g8;
    int g9_19 = 19 * g9;
    long h0 =
        f0 * (long) g0
            + f1_2 * (long) g9_19
            + f2 * (long) g8_19
            + f3_2 * (long) g7_19
            + f4 * (long) g6_19
            + f5_2 * (long) g5_19
            + f6 * (long) g4_19
            + f7_2 * (long) g3_19
            + f8 * (long) g2_19
            + f9_2 * (long) g1_19;
    long h1 =
        f0 * (long) g1
            + f1 * (long) g0
            + f2 * (long) g9_19
            + f3 * (long) g8_19
            + f4 * (long) g7_19
            + f5 * (long) g6_19
            + f6 * (long) g5_19
            + f7 * (long) g4_19
            + f8 * (long) g3_19
            + f9 * (long) g2_19;
    long h2 =
        f0 * (long) g2
            + f1_2 * (long) g1
            + f2 * (long) g0
            + f3_2 * (long) g9_19
            + f4 * (long) g8_19
            + f5_2 * (long) g7_19
            + f6 * (long) g6_19
            + f7_2 * (long) g5_19
            + f8 * (long) g4_19
            + f9_2 * (long) g3_19;
    long h3 =
        f0 * (long) g3
            + f1 * (long) g2
            + f2 * (long) g1
            + f3 * (long) g0
            + f4 * (long) g9_19
            + f5 * (long) g8_19
            + f6 * (long) g7_19
            + f7 * (long) g6_19
            + f8 * (long) g5_19
            + f9 * (long) g4_19;
    long h4 =
        f0 * (long) g4
            + f1_2 * (long) g3
            + f2 * (long) g2
            + f3_2 * (long) g1
            + f4 * (long) g0
            + f5_2 * (long) g9_19
            + f6 * (long) g8_19
            + f7_2 * (long) g7_19
            + f8 * (long) g6_19
            + f9_2 * (long) g5_19;
    long h5 =
        f0 * (long) g5
            + f1 * (long) g4
            + f2 * (long) g3
            + f3 * (long) g2
            + f4 * (long) g1
            + f5 * (long) g0
            + f6 * (long) g9_19
            + f7 * (long) g8_19
            + f8 * (long) g7_19
            + f9 * (long) g6_19;
    long h6 =
        f0 * (long) g6
            + f1_2 * (long) g5
            + f2 * (long) g4
            + f3_2 * (long) g3
            + f4 * (long) g2
            + f5_2 * (long) g1
            + f6 * (long) g0
            + f7_2 * (long) g9_19
            + f8 * (long) g8_19
            + f9_2 * (long) g7_19;
    long h7 =
        f0 * (long) g7
            + f1 * (long) g6
            + f2 * (long) g5
            + f3 * (long) g4
            + f4 * (long) g3
            + f5 * (long) g2
            + f6 * (long) g1
            + f7 * (long) g0
            + f8 * (long) g9_19
            + f9 * (long) g8_19;
    long h8 =
        f0 * (long) g8
            + f1_2 * (long) g7
            + f2 * (long) g6
            + f3_2 * (long) g5
            + f4 * (long) g4
            + f5_2 * (long) g3
            + f6 * (long) g2
            + f7_2 * (long) g1
            + f8 * (long) g0
            + f9_2 * (long) g9_19;
    long h9 =
        f0 * (long) g9
            + f1 * (long) g8
            + f2 * (long) g7
            + f3 * (long) g6
            + f4 * (long) g5
            + f5 * (long) g4
            + f6 * (long) g3
            + f7 * (long) g2
            + f8 * (long) g1
            + f9 * (long) g0;
    long c;
    c = h0 >> 26;
    h1 += c;
    h0 -= c << 26;
    c = h1 >> 25;
    h2 += c;
    h1 -= c << 25;
    c = h2 >> 26;
    h3 += c;
    h2 -= c << 26;
    c = h3 >> 25;
    h4 += c;
    h3 -= c << 25;
    c = h4 >> 26;
    h5 += c;
    h4 -= c << 26;
    c = h5 >> 25;
    h6 += c;
    h5 -= c << 25;
    c = h6 >> 26;
    h7 += c;
    h6 -= c << 26;
    c = h7 >> 25;
    h8 += c;
    h7 -= c << 25;
    c = h8 >> 26;
    h9 += c;
    h8 -= c << 26;
    c = h9 >> 25;
    h0 += 19 * c;
    h9 -= c << 25;
    c = h0 >> 26;
    h1 += c;
    h0 -= c << 26;
    h[0] = (int) h0;
    h[1] = (int) h1;
    h[2] = (int) h2;
    h[3] = (int) h3;
    h[4] = (int) h4;
    h[5] = (int) h5;
    h[6] = (int) h6;
    h[7] = (int) h7;
    h[8] = (int) h8;
    h[9] = (int) h9;
  }

  /** h = f^2. */
  public static void square(int[] h, int[] f) {
    mul(h, f, f);
  }

  /** Swaps f and g when {@code bit} is 1, leaves them when it is 0, without branching on it. */
  public static void conditionalSwap(int[] f, int[] g, int bit) {
    int mask = -bit;
    for (int i = 0; i < LIMBS; i++) {
      int x = mask & (f[i] ^ g[i]);
      f[i] ^= x;
      g[i] ^= x;
    }
  }

  /**
   * Reads 255 bits, little-endian, from {@code s[offset..offset+32)}; the top bit of the last byte
   * is ignored (callers read it themselves where it means something). Values from p to 2^255 - 1
   * are accepted unreduced.
   */
  public static void fromBytes(int[] h, byte[] s, int offset) {
    int bit = 0;
    for (int i = 0; i < LIMBS; i++) {
      int width = 26 - (i & 1);
      long word = 0;
      for (int b = 4; b >= 0; b--) {
        int index = (bit >> 3) + b;
        word = (word << 8) | (index < ENCODED_LENGTH ? s[offset + index] & 0xFF : 0);
      }
      h[i] = (int) ((word >>> (bit & 7)) & ((1L << width) - 1));
      bit += width;
    }
  }

  /** Writes the canonical encoding (value reduced below p, 32 bytes little-endian). */
  public static void toBytes(byte[] s, int offset, int[] f) {
    // q = 1 exactly when f >= p, that is when f + 19 reaches 2^255 (f is below 2p).
    int q = (f[0] + 19) >> 26;
    for (int i = 1; i < LIMBS; i++) {
      q = (f[i] + q) >> (26 - (i & 1));
    }
    long acc = 19L * q; // f - q p = f + 19 q - q 2^255: add 19 q, drop bit 255
    int accBits = 0;
    int out = offset;
    long pending = 0;
    for (int i = 0; i < LIMBS; i++) {
      int width = 26 - (i & 1);
      acc += f[i];
      pending |= (acc & ((1L << width) - 1)) << accBits;
      acc >>= width;
      accBits += width;
      while (accBits >= 8) {
        s[out++] = (byte) pending;
        pending >>>= 8;
        accBits -= 8;
      }
    }
    s[out] = (byte) (pending & 0x7F);
  }

  /** Carries an int element whose limbs are non-negative and below 2^30. */
  private static void carry(int[] h) {
    for (int i = 0; i < LIMBS - 1; i++) {
      int width = 26 - (i & 1);
      int c = h[i] >> width;
      h[i + 1] += c;
      h[i] -= c << width;
    }
    int c9 = h[9] >> 25;
    h[9] -= c9 << 25;
    h[0] += 19 * c9;
    int c0 = h[0] >> 26;
    h[0] -= c0 << 26;
    h[1] += c0;
  }

  /** Whether f = 0 (mod p). */
  public boolean isZero(int[] f) {
    toBytes(bytes, 0, f);
    int bits = 0;
    for (int i = 0; i < ENCODED_LENGTH; i++) {
      bits |= bytes[i];
    }
    return bits == 0;
  }

  /** Whether f = g (mod p). */
  public boolean equal(int[] f, int[] g) {
    toBytes(bytes, 0, f);
    toBytes(otherBytes, 0, g);
    int diff = 0;
    for (int i = 0; i < ENCODED_LENGTH; i++) {
      diff |= bytes[i] ^ otherBytes[i];
    }
    return diff == 0;
  }

  /** The low bit of f's canonical encoding: the "sign" of an Edwards x coordinate. */
  public int parity(int[] f) {
    toBytes(bytes, 0, f);
    return bytes[0] & 1;
  }

  /** h = 1 / z = z^(p - 2) (0 for z = 0). */
  public void invert(int[] h, int[] z) {
    pow2to250minus1(z); // t0 = z^(2^250 - 1), t1 = z^11
    squareTimes(t0, 5); // z^(2^255 - 32)
    mul(h, t0, t1); // z^(2^255 - 21) = z^(p - 2)
  }

  /** h = z^((p - 5) / 8) = z^(2^252 - 3), the exponent of the square root in decompression. */
  public void pow22523(int[] h, int[] z) {
    pow2to250minus1(z);
    squareTimes(t0, 2); // z^(2^252 - 4)
    mul(h, t0, z);
  }

  /**
   * The common part of both exponentiations: leaves z^(2^250 - 1) in t0 and z^11 in t1 (11 =
   * 0b1011, needed by the inversion), using the classic chain of 250 squarings and 11
   * multiplications.
   */
  private void pow2to250minus1(int[] z) {
    square(t0, z); // z^2
    square(t1, t0);
    square(t1, t1); // z^8
    mul(t1, t1, z); // z^9
    mul(t0, t0, t1); // z^11
    square(t2, t0); // z^22
    mul(t2, t2, t1); // z^31 = z^(2^5 - 1)
    copy(t1, t0); // t1 = z^11 from here on
    copy(t0, t2);
    squareTimes(t0, 5);
    mul(t2, t0, t2); // z^(2^10 - 1)
    copy(t3, t2); // t3 = z^(2^10 - 1)
    copy(t0, t2);
    squareTimes(t0, 10);
    mul(t0, t0, t2); // z^(2^20 - 1)
    copy(t2, t0);
    squareTimes(t0, 20);
    mul(t0, t0, t2); // z^(2^40 - 1)
    squareTimes(t0, 10);
    mul(t0, t0, t3); // z^(2^50 - 1)
    copy(t3, t0); // t3 = z^(2^50 - 1)
    squareTimes(t0, 50);
    mul(t0, t0, t3); // z^(2^100 - 1)
    copy(t2, t0);
    squareTimes(t0, 100);
    mul(t0, t0, t2); // z^(2^200 - 1)
    squareTimes(t0, 50);
    mul(t0, t0, t3); // z^(2^250 - 1)
  }

  private static void squareTimes(int[] h, int times) {
    for (int i = 0; i < times; i++) {
      square(h, h);
    }
  }
}
