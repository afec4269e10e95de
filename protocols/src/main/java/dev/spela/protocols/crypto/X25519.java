package dev.spela.protocols.crypto;

/**
 * X25519 Diffie-Hellman (RFC 7748, section 5), allocation-free after construction: a device makes
 * an ephemeral key pair and the shared secret with a host's public key. The Montgomery ladder swaps
 * with masks, never branches on the private key, and runs the same 255 steps for every key.
 */
public final class X25519 {

  public static final int KEY_LENGTH = 32;

  /** (486662 - 2) / 4, the ladder's curve constant. */
  private static final int A24 = 121665;

  private static final byte[] BASE_POINT = {
    9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  };

  private final Field25519 field = new Field25519();
  private final byte[] scalar = new byte[KEY_LENGTH];
  private final int[] x1 = new int[Field25519.LIMBS];
  private final int[] x2 = new int[Field25519.LIMBS];
  private final int[] z2 = new int[Field25519.LIMBS];
  private final int[] x3 = new int[Field25519.LIMBS];
  private final int[] z3 = new int[Field25519.LIMBS];
  private final int[] a = new int[Field25519.LIMBS];
  private final int[] aa = new int[Field25519.LIMBS];
  private final int[] b = new int[Field25519.LIMBS];
  private final int[] bb = new int[Field25519.LIMBS];
  private final int[] e = new int[Field25519.LIMBS];
  private final int[] c = new int[Field25519.LIMBS];
  private final int[] d = new int[Field25519.LIMBS];

  /**
   * Writes the public key of {@code privateKey[offset..+32)} (32 random bytes; clamped here as RFC
   * 7748 says) to {@code out[outOffset..+32)}.
   */
  public void publicKey(byte[] out, int outOffset, byte[] privateKey, int offset) {
    scalarMult(out, outOffset, privateKey, offset, BASE_POINT, 0);
  }

  /**
   * Writes X25519(privateKey, peerPublicKey) to {@code out[outOffset..+32)}. Returns false when the
   * result is all zero: the peer sent a point of small order, and the secret must not be used.
   */
  public boolean sharedSecret(
      byte[] out,
      int outOffset,
      byte[] privateKey,
      int offset,
      byte[] peerPublicKey,
      int peerOffset) {
    scalarMult(out, outOffset, privateKey, offset, peerPublicKey, peerOffset);
    int bits = 0;
    for (int i = 0; i < KEY_LENGTH; i++) {
      bits |= out[outOffset + i];
    }
    return bits != 0;
  }

  private void scalarMult(byte[] out, int outOffset, byte[] k, int kOffset, byte[] u, int uOffset) {
    System.arraycopy(k, kOffset, scalar, 0, KEY_LENGTH);
    scalar[0] &= (byte) 248;
    scalar[31] &= 127;
    scalar[31] |= 64;
    Field25519.fromBytes(x1, u, uOffset); // the top bit of u is ignored, as RFC 7748 requires
    Field25519.one(x2);
    Field25519.zero(z2);
    Field25519.copy(x3, x1);
    Field25519.one(z3);
    int swap = 0;
    for (int t = 254; t >= 0; t--) {
      int bit = (scalar[t >> 3] >> (t & 7)) & 1;
      swap ^= bit;
      Field25519.conditionalSwap(x2, x3, swap);
      Field25519.conditionalSwap(z2, z3, swap);
      swap = bit;
      Field25519.add(a, x2, z2);
      Field25519.square(aa, a);
      Field25519.sub(b, x2, z2);
      Field25519.square(bb, b);
      Field25519.sub(e, aa, bb);
      Field25519.add(c, x3, z3);
      Field25519.sub(d, x3, z3);
      Field25519.mul(d, d, a); // DA
      Field25519.mul(c, c, b); // CB
      Field25519.add(x3, d, c);
      Field25519.square(x3, x3); // (DA + CB)^2
      Field25519.sub(z3, d, c);
      Field25519.square(z3, z3);
      Field25519.mul(z3, z3, x1); // x1 (DA - CB)^2
      Field25519.mul(x2, aa, bb); // AA BB
      Field25519.mulSmall(z2, e, A24);
      Field25519.add(z2, z2, aa);
      Field25519.mul(z2, z2, e); // E (AA + a24 E)
    }
    Field25519.conditionalSwap(x2, x3, swap);
    Field25519.conditionalSwap(z2, z3, swap);
    field.invert(z2, z2);
    Field25519.mul(x2, x2, z2);
    Field25519.toBytes(out, outOffset, x2);
  }
}
