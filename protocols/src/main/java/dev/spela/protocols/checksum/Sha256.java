package dev.spela.protocols.checksum;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.subset.SteadyState;

/**
 * SHA-256 (FIPS 180-4). All buffers are allocated in the constructor; {@link #update} and {@link
 * #finish} allocate nothing, so an image can be hashed on a hot path.
 */
@SteadyState
public final class Sha256 extends BlockDigest {

  public static final int DIGEST_LENGTH = 32;

  /** Bytes of the arrays one instance allocates (state, message schedule, block). */
  public static final int INSTANCE_ARRAY_BYTES = 4 * 8 + 4 * 64 + 64;

  /** Arrays one instance allocates. */
  public static final int INSTANCE_ARRAYS = 3;

  /** Bytes of the round-constant table all instances share. */
  public static final int TABLE_BYTES = 4 * 64;

  private static final int[] K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  };

  private final int[] h = new int[8];
  private final int[] w = new int[64];

  public Sha256() {
    super(64, 8);
    reset();
  }

  /** Continues from {@code other}'s state: both then hash the same prefix (no allocation). */
  public void copyFrom(Sha256 other) {
    System.arraycopy(other.h, 0, h, 0, h.length);
    copyBuffer(other);
  }

  public void reset() {
    h[0] = 0x6a09e667;
    h[1] = 0xbb67ae85;
    h[2] = 0x3c6ef372;
    h[3] = 0xa54ff53a;
    h[4] = 0x510e527f;
    h[5] = 0x9b05688c;
    h[6] = 0x1f83d9ab;
    h[7] = 0x5be0cd19;
    clearBuffer();
  }

  /**
   * Pads, writes the 32-byte digest to {@code out[offset..]} (only resets if it does not fit) and
   * resets for the next message.
   */
  public void finish(byte[] out, int offset) {
    if (!Bounds.within(out, offset, DIGEST_LENGTH)) {
      reset();
      return;
    }
    pad();
    for (int k = 0; k < 8; k++) {
      int v = h[k];
      out[offset + 4 * k] = (byte) (v >>> 24);
      out[offset + 4 * k + 1] = (byte) (v >>> 16);
      out[offset + 4 * k + 2] = (byte) (v >>> 8);
      out[offset + 4 * k + 3] = (byte) v;
    }
    reset();
  }

  /**
   * Finishes like {@link #finish} but compares the digest with {@code expected[offset..offset+32)}
   * instead of writing it; the comparison looks at every byte whatever the outcome.
   */
  public boolean finishAndCompare(byte[] expected, int offset) {
    if (!Bounds.within(expected, offset, DIGEST_LENGTH)) {
      reset();
      return false;
    }
    finish(block, 0);
    int diff = 0;
    for (int k = 0; k < DIGEST_LENGTH; k++) {
      diff |= block[k] ^ expected[offset + k];
    }
    reset();
    return diff == 0;
  }

  /*
   * Written for TeaVM's C as much as for the JVM (the firmware spends most of an image's load here):
   * the arrays are read into locals once and their lengths checked once (the early return, never
   * taken); every index is compared with its array's length in a guard that is always true after
   * that, which makes TeaVM prove the index in bounds and lets gcc drop the guard (NUMERICS.md,
   * "Kernels on the firmware"); each guard opens with {@code wLength == 64}, which proves nothing
   * but is not the first comparison TeaVM would otherwise ignore (the lower bound of the index
   * that opened the guard kept its check and call-site store); rotations are spelled out because
   * every Integer.rotateRight call checks that Integer is initialised.
   */
  @Override
  protected void compress(byte[] src, int at) {
    final int[] w = this.w;
    final int[] k = K;
    final int[] h = this.h;
    final int wLength = w.length;
    final int kLength = k.length;
    final int srcLength = src.length;
    if (wLength != 64 || kLength != 64 || h.length != 8 || at < 0 || at > srcLength - 64) {
      return;
    }
    for (int t = 0; t < 16; t++) {
      int p = at + 4 * t;
      int p1 = p + 1;
      int p2 = p + 2;
      int p3 = p + 3;
      if (wLength == 64 && t > -1 && t < wLength && p > -1 && p1 > -1 && p2 > -1 && p3 > -1
          && p < srcLength && p1 < srcLength && p2 < srcLength && p3 < srcLength) {
        w[t] = src[p] << 24 | (src[p1] & 0xFF) << 16 | (src[p2] & 0xFF) << 8 | (src[p3] & 0xFF);
      }
    }
    // w[t] from w[t - 16], w[t - 15], w[t - 7] and w[t - 2]
    for (int t = 16; t < 64; t++) {
      int t16 = t - 16;
      int t15 = t - 15;
      int t7 = t - 7;
      int t2 = t - 2;
      if (wLength == 64 && t > -1 && t16 > -1 && t15 > -1 && t7 > -1 && t2 > -1 && t < wLength
          && t16 < wLength && t15 < wLength && t7 < wLength && t2 < wLength) {
        int x = w[t15];
        int y = w[t2];
        int s0 = (x >>> 7 | x << 25) ^ (x >>> 18 | x << 14) ^ (x >>> 3);
        int s1 = (y >>> 17 | y << 15) ^ (y >>> 19 | y << 13) ^ (y >>> 10);
        w[t] = w[t16] + s0 + w[t7] + s1;
      }
    }
    int a = h[0];
    int b = h[1];
    int c = h[2];
    int d = h[3];
    int e = h[4];
    int f = h[5];
    int g = h[6];
    int hh = h[7];
    // Eight rounds a pass, each naming the variables where they now are, so none is moved: a round
    // changes only two of them (d + t1 and t1 + t2). r <= 7 tells gcc every index is below 64.
    for (int r = 0; r < 8; r++) {
      int t = r << 3;
      int t1 = t + 1;
      int t2 = t + 2;
      int t3 = t + 3;
      int t4 = t + 4;
      int t5 = t + 5;
      int t6 = t + 6;
      int t7 = t + 7;
      if (wLength == 64 && t > -1 && t7 < wLength && t7 < kLength && t < wLength && t < kLength
          && t1 < wLength && t1 < kLength && t2 < wLength && t2 < kLength && t3 < wLength
          && t3 < kLength && t4 < wLength && t4 < kLength && t5 < wLength && t5 < kLength
          && t6 < wLength && t6 < kLength && t1 > -1 && t2 > -1 && t3 > -1 && t4 > -1 && t5 > -1
          && t6 > -1 && t7 > -1) {
        int x = hh + sigma1(e) + choose(e, f, g) + k[t] + w[t];
        d += x;
        hh = x + sigma0(a) + majority(a, b, c);
        x = g + sigma1(d) + choose(d, e, f) + k[t1] + w[t1];
        c += x;
        g = x + sigma0(hh) + majority(hh, a, b);
        x = f + sigma1(c) + choose(c, d, e) + k[t2] + w[t2];
        b += x;
        f = x + sigma0(g) + majority(g, hh, a);
        x = e + sigma1(b) + choose(b, c, d) + k[t3] + w[t3];
        a += x;
        e = x + sigma0(f) + majority(f, g, hh);
        x = d + sigma1(a) + choose(a, b, c) + k[t4] + w[t4];
        hh += x;
        d = x + sigma0(e) + majority(e, f, g);
        x = c + sigma1(hh) + choose(hh, a, b) + k[t5] + w[t5];
        g += x;
        c = x + sigma0(d) + majority(d, e, f);
        x = b + sigma1(g) + choose(g, hh, a) + k[t6] + w[t6];
        f += x;
        b = x + sigma0(c) + majority(c, d, e);
        x = a + sigma1(f) + choose(f, g, hh) + k[t7] + w[t7];
        e += x;
        a = x + sigma0(b) + majority(b, c, d);
      }
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }

  private static int sigma0(int a) {
    return (a >>> 2 | a << 30) ^ (a >>> 13 | a << 19) ^ (a >>> 22 | a << 10);
  }

  private static int sigma1(int e) {
    return (e >>> 6 | e << 26) ^ (e >>> 11 | e << 21) ^ (e >>> 25 | e << 7);
  }

  private static int choose(int e, int f, int g) {
    return (e & f) ^ (~e & g);
  }

  private static int majority(int a, int b, int c) {
    return (a & b) ^ (a & c) ^ (b & c);
  }
}
