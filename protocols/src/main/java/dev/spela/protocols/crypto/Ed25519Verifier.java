package dev.spela.protocols.crypto;

/**
 * Ed25519 signature verification (RFC 8032, section 5.1.7), allocation-free after construction.
 *
 * <p>Accepts a signature (R, S) of message M under public key A when A decodes to a curve point, S
 * is below the group order L, and the encoding of [S]B - [k]A equals R, with k = SHA-512(R || A ||
 * M) mod L (the cofactorless equation, as most libraries check it). Points are in extended
 * twisted-Edwards coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, xy = T/Z; the two scalar
 * multiplications share one pass of 253 doublings (Straus), adding B, -A or B - A as the bit pair
 * of S and k asks. Verification handles public data only, so it is not constant-time.
 *
 * <p>The message may be long (a model image): {@link #start}, any number of {@link #update}, then
 * {@link #finish}; {@link #verify} does all three for a message in one buffer.
 */
public final class Ed25519Verifier {

  public static final int PUBLIC_KEY_LENGTH = 32;
  public static final int SIGNATURE_LENGTH = 64;

  /** 2d, d = -121665/121666, the curve constant (limbs as in {@link Field25519}). */
  private static final int[] D2 = {
    45281625, 27714825, 36363642, 13898781, 229458, 15978800, 54557047, 27058993, 29715967, 9444199
  };

  private static final int[] D = {
    56195235, 13857412, 51736253, 6949390, 114729, 24766616, 60832955, 30306712, 48412415, 21499315
  };

  /** A square root of -1: 2^((p - 1) / 4). */
  private static final int[] SQRT_M1 = {
    34513072, 25610706, 9377949, 3500415, 12389472, 33281959, 41962654, 31548777, 326685, 11406482
  };

  /** The base point B: y = 4/5, x even. */
  private static final int[] BASE_X = {
    52811034, 25909283, 16144682, 17082669, 27570973, 30858332, 40966398, 8378388, 20764389, 8758491
  };

  private static final int[] BASE_Y = {
    40265304, 26843545, 13421772, 20132659, 26843545, 6710886, 53687091, 13421772, 40265318,
    26843545
  };

  /** A point in extended coordinates. */
  private static final class Point {
    final int[] x = new int[Field25519.LIMBS];
    final int[] y = new int[Field25519.LIMBS];
    final int[] z = new int[Field25519.LIMBS];
    final int[] t = new int[Field25519.LIMBS];
  }

  /** A point prepared for repeated addition: Y + X, Y - X, Z and 2dT. */
  private static final class Cached {
    final int[] yPlusX = new int[Field25519.LIMBS];
    final int[] yMinusX = new int[Field25519.LIMBS];
    final int[] z = new int[Field25519.LIMBS];
    final int[] t2d = new int[Field25519.LIMBS];
  }

  private final Field25519 field = new Field25519();
  private final Sha512 sha = new Sha512();
  private final Scalar25519 scalars = new Scalar25519();
  private final byte[] digest = new byte[Sha512.DIGEST_LENGTH];
  private final byte[] k = new byte[Scalar25519.LENGTH];
  private final byte[] s = new byte[Scalar25519.LENGTH];
  private final byte[] r = new byte[Field25519.ENCODED_LENGTH];
  private final byte[] encoded = new byte[Field25519.ENCODED_LENGTH];

  private final Point negatedKey = new Point();
  private final Point sum = new Point();
  private final Cached base = new Cached();
  private final Cached minusKey = new Cached();
  private final Cached baseMinusKey = new Cached();

  // Temporaries of the point formulas and of decoding.
  private final int[] fa = new int[Field25519.LIMBS];
  private final int[] fb = new int[Field25519.LIMBS];
  private final int[] fc = new int[Field25519.LIMBS];
  private final int[] fd = new int[Field25519.LIMBS];
  private final int[] fe = new int[Field25519.LIMBS];
  private final int[] ff = new int[Field25519.LIMBS];
  private final int[] fg = new int[Field25519.LIMBS];
  private final int[] fh = new int[Field25519.LIMBS];

  private boolean started;

  public Ed25519Verifier() {
    basePoint(sum);
    toCached(base, sum);
  }

  /**
   * Verifies {@code signature} of {@code message[offset..offset+length)} under {@code publicKey}.
   */
  public boolean verify(
      byte[] publicKey,
      int keyOffset,
      byte[] message,
      int offset,
      int length,
      byte[] signature,
      int signatureOffset) {
    if (!start(publicKey, keyOffset, signature, signatureOffset)) {
      return false;
    }
    update(message, offset, length);
    return finish();
  }

  /**
   * Starts verifying a signature of a message given next through {@link #update}. Returns false
   * (and {@link #finish} will too) when the key is not a point or S is not below L: no message can
   * make such a signature valid.
   */
  public boolean start(byte[] publicKey, int keyOffset, byte[] signature, int signatureOffset) {
    started = false;
    if (!Scalar25519.isBelowOrder(signature, signatureOffset + 32)) {
      return false;
    }
    if (!decode(negatedKey, publicKey, keyOffset)) {
      return false;
    }
    Field25519.negate(negatedKey.x, negatedKey.x);
    Field25519.negate(negatedKey.t, negatedKey.t);
    System.arraycopy(signature, signatureOffset, r, 0, 32);
    System.arraycopy(signature, signatureOffset + 32, s, 0, 32);
    sha.reset();
    sha.update(signature, signatureOffset, 32);
    sha.update(publicKey, keyOffset, PUBLIC_KEY_LENGTH);
    started = true;
    return true;
  }

  public void update(byte[] message, int offset, int length) {
    sha.update(message, offset, length);
  }

  /** Whether the signature begun with {@link #start} is valid for the message given since. */
  public boolean finish() {
    if (!started) {
      return false;
    }
    started = false;
    sha.finish(digest, 0);
    scalars.reduce(k, 0, digest, 0);

    toCached(minusKey, negatedKey);
    Point p = sum;
    basePoint(p);
    add(p, p, minusKey);
    toCached(baseMinusKey, p);

    // [S]B + [k](-A), both scalars below L < 2^253.
    identity(p);
    for (int i = 252; i >= 0; i--) {
      twice(p, p);
      int bits = bit(s, i) | bit(k, i) << 1;
      if (bits == 1) {
        add(p, p, base);
      } else if (bits == 2) {
        add(p, p, minusKey);
      } else if (bits == 3) {
        add(p, p, baseMinusKey);
      }
    }
    encode(encoded, p);
    int diff = 0;
    for (int i = 0; i < 32; i++) {
      diff |= encoded[i] ^ r[i];
    }
    return diff == 0;
  }

  private static int bit(byte[] scalar, int i) {
    return (scalar[i >> 3] >> (i & 7)) & 1;
  }

  private static void basePoint(Point p) {
    Field25519.copy(p.x, BASE_X);
    Field25519.copy(p.y, BASE_Y);
    Field25519.one(p.z);
    Field25519.mul(p.t, BASE_X, BASE_Y);
  }

  private static void identity(Point p) {
    Field25519.zero(p.x);
    Field25519.one(p.y);
    Field25519.one(p.z);
    Field25519.zero(p.t);
  }

  private static void toCached(Cached c, Point p) {
    Field25519.add(c.yPlusX, p.y, p.x);
    Field25519.sub(c.yMinusX, p.y, p.x);
    Field25519.copy(c.z, p.z);
    Field25519.mul(c.t2d, p.t, D2);
  }

  /** h = p + q ("add-2008-hwcd-3" for a = -1: 8 multiplications). */
  private void add(Point h, Point p, Cached q) {
    Field25519.sub(fa, p.y, p.x);
    Field25519.mul(fa, fa, q.yMinusX); // A = (Y1 - X1)(Y2 - X2)
    Field25519.add(fb, p.y, p.x);
    Field25519.mul(fb, fb, q.yPlusX); // B = (Y1 + X1)(Y2 + X2)
    Field25519.mul(fc, p.t, q.t2d); // C = 2d T1 T2
    Field25519.mul(fd, p.z, q.z);
    Field25519.add(fd, fd, fd); // D = 2 Z1 Z2
    finishSum(h);
  }

  /** h = 2p ("dbl-2008-hwcd" for a = -1: 4 squarings, 4 multiplications). */
  private void twice(Point h, Point p) {
    Field25519.square(fa, p.x); // A = X^2
    Field25519.square(fb, p.y); // B = Y^2
    Field25519.square(fc, p.z);
    Field25519.add(fc, fc, fc); // C = 2 Z^2
    Field25519.add(fh, fa, fb); // A + B
    Field25519.add(fe, p.x, p.y);
    Field25519.square(fe, fe);
    Field25519.sub(fe, fe, fh); // E = (X + Y)^2 - A - B
    Field25519.sub(fg, fb, fa); // G = B - A (= aA + B with a = -1)
    Field25519.sub(ff, fg, fc); // F = G - C
    Field25519.negate(fh, fh); // H = -A - B
    Field25519.mul(h.x, fe, ff);
    Field25519.mul(h.y, fg, fh);
    Field25519.mul(h.t, fe, fh);
    Field25519.mul(h.z, ff, fg);
  }

  /** The shared tail of the addition: E = B - A, F = D - C, G = D + C, H = B + A. */
  private void finishSum(Point h) {
    Field25519.sub(fe, fb, fa);
    Field25519.sub(ff, fd, fc);
    Field25519.add(fg, fd, fc);
    Field25519.add(fh, fb, fa);
    Field25519.mul(h.x, fe, ff);
    Field25519.mul(h.y, fg, fh);
    Field25519.mul(h.t, fe, fh);
    Field25519.mul(h.z, ff, fg);
  }

  /** Writes the 32-byte encoding of p: y, with the parity of x in the top bit. */
  private void encode(byte[] out, Point p) {
    field.invert(fa, p.z);
    Field25519.mul(fb, p.x, fa);
    Field25519.mul(fc, p.y, fa);
    Field25519.toBytes(out, 0, fc);
    out[31] |= (byte) (field.parity(fb) << 7);
  }

  /**
   * Decodes a point (RFC 8032, section 5.1.3): y must be below p, x^2 = (y^2 - 1) / (d y^2 + 1)
   * must have a root, and x = 0 cannot carry the sign bit. Returns false for anything else.
   */
  private boolean decode(Point p, byte[] in, int offset) {
    int sign = (in[offset + 31] >> 7) & 1;
    Field25519.fromBytes(p.y, in, offset);
    Field25519.toBytes(encoded, 0, p.y);
    int diff = 0;
    for (int i = 0; i < 31; i++) {
      diff |= encoded[i] ^ in[offset + i];
    }
    diff |= encoded[31] ^ (in[offset + 31] & 0x7F);
    if (diff != 0) {
      return false; // y >= p: not canonical
    }
    Field25519.one(p.z);
    int[] u = fa;
    int[] v = fb;
    int[] x = p.x;
    Field25519.square(u, p.y);
    Field25519.mul(v, u, D);
    Field25519.sub(u, u, p.z); // u = y^2 - 1
    Field25519.add(v, v, p.z); // v = d y^2 + 1
    // x = u v^3 (u v^7)^((p - 5) / 8)
    Field25519.square(fc, v);
    Field25519.mul(fc, fc, v); // v^3
    Field25519.square(fd, fc);
    Field25519.mul(fd, fd, v);
    Field25519.mul(fd, fd, u); // u v^7
    field.pow22523(fd, fd);
    Field25519.mul(fd, fd, fc);
    Field25519.mul(x, fd, u);
    // v x^2 is u (x is a root), -u (x sqrt(-1) is), or neither (no point).
    Field25519.square(fe, x);
    Field25519.mul(fe, fe, v);
    if (!field.equal(fe, u)) {
      Field25519.negate(ff, u);
      if (!field.equal(fe, ff)) {
        return false;
      }
      Field25519.mul(x, x, SQRT_M1);
    }
    if (field.isZero(x) && sign == 1) {
      return false;
    }
    if (field.parity(x) != sign) {
      Field25519.negate(x, x);
    }
    Field25519.mul(p.t, x, p.y);
    return true;
  }
}
