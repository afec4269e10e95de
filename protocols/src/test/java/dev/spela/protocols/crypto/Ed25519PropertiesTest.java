package dev.spela.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The device's curve code against the JDK's Ed25519, X25519 and BigInteger, on random inputs. */
class Ed25519PropertiesTest {

  private static final BigInteger P =
      BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
  private static final BigInteger L =
      BigInteger.ONE.shiftLeft(252).add(new BigInteger("27742317777372353535851937790883648493"));
  private static final byte[] X509_ED25519_PREFIX =
      HexFormat.of().parseHex("302a300506032b6570032100");

  private final Ed25519Verifier verifier = new Ed25519Verifier();
  private final X25519 x25519 = new X25519();

  @Property(tries = 200)
  void acceptsWhatTheJdkSignsAndRefusesAnyChange(
      @ForAll long seed,
      @ForAll @Size(max = 300) byte[] message,
      @ForAll @IntRange(max = 511) int bit)
      throws Exception {
    KeyPair pair = JdkEd25519.keyPair("Ed25519", seed);
    byte[] key = JdkEd25519.raw(pair.getPublic());
    byte[] signature = JdkEd25519.sign(pair.getPrivate(), message);
    assertTrue(verifier.verify(key, 0, message, 0, message.length, signature, 0));
    byte[] changed = signature.clone();
    changed[bit >> 3] ^= (byte) (1 << (bit & 7));
    assertFalse(verifier.verify(key, 0, message, 0, message.length, changed, 0));
  }

  /**
   * Random 64-byte strings as signatures under random 32-byte strings as keys: same verdict as the
   * JDK.
   */
  @Property(tries = 200)
  void garbageGetsTheJdksVerdict(
      @ForAll @Size(32) byte[] key,
      @ForAll @Size(64) byte[] signature,
      @ForAll @Size(max = 40) byte[] message)
      throws Exception {
    PublicKey jdkKey;
    try {
      byte[] encoded = new byte[44];
      System.arraycopy(X509_ED25519_PREFIX, 0, encoded, 0, 12);
      System.arraycopy(key, 0, encoded, 12, 32);
      jdkKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
    } catch (java.security.GeneralSecurityException e) {
      jdkKey = null;
    }
    boolean ours = verifier.verify(key, 0, message, 0, message.length, signature, 0);
    assertFalse(ours);
    if (jdkKey != null) {
      assertEquals(JdkEd25519.verify(jdkKey, message, signature), ours);
    }
  }

  @Property(tries = 200)
  void x25519AgreesWithTheJdk(@ForAll long aliceSeed, @ForAll long bobSeed) throws Exception {
    KeyPair alice = JdkEd25519.keyPair("X25519", aliceSeed);
    KeyPair bob = JdkEd25519.keyPair("X25519", bobSeed);
    byte[] alicePrivate = JdkEd25519.raw(alice.getPrivate());
    byte[] ourPublic = new byte[32];
    x25519.publicKey(ourPublic, 0, alicePrivate, 0);
    assertEquals(
        HexFormat.of().formatHex(JdkEd25519.raw(alice.getPublic())),
        HexFormat.of().formatHex(ourPublic));
    javax.crypto.KeyAgreement agreement = javax.crypto.KeyAgreement.getInstance("X25519");
    agreement.init(bob.getPrivate());
    agreement.doPhase(alice.getPublic(), true);
    byte[] shared = new byte[32];
    assertTrue(x25519.sharedSecret(shared, 0, alicePrivate, 0, JdkEd25519.raw(bob.getPublic()), 0));
    assertEquals(
        HexFormat.of().formatHex(agreement.generateSecret()), HexFormat.of().formatHex(shared));
  }

  @Provide
  Arbitrary<BigInteger> fieldElements() {
    // Any 255-bit value: canonical ones and the unreduced p .. 2^255 - 1 that decoding accepts.
    return Arbitraries.bigIntegers()
        .between(BigInteger.ZERO, BigInteger.ONE.shiftLeft(255).subtract(BigInteger.ONE))
        .edgeCases(
            c ->
                c.add(
                    P.subtract(BigInteger.ONE),
                    P,
                    P.add(BigInteger.ONE),
                    BigInteger.ONE.shiftLeft(255).subtract(BigInteger.ONE)));
  }

  @Property(tries = 500)
  void fieldArithmeticMatchesBigInteger(
      @ForAll("fieldElements") BigInteger a, @ForAll("fieldElements") BigInteger b) {
    int[] f = limbs(a);
    int[] g = limbs(b);
    int[] h = new int[10];
    Field25519.mul(h, f, g);
    assertEquals(a.multiply(b).mod(P), value(h), "mul");
    Field25519.add(h, f, g);
    assertEquals(a.add(b).mod(P), value(h), "add");
    Field25519.sub(h, f, g);
    assertEquals(a.subtract(b).mod(P), value(h), "sub");
    Field25519.negate(h, f);
    assertEquals(a.negate().mod(P), value(h), "negate");
    Field25519.mulSmall(h, f, 121665);
    assertEquals(a.multiply(BigInteger.valueOf(121665)).mod(P), value(h), "mulSmall");
    Field25519 field = new Field25519();
    field.invert(h, f);
    assertEquals(a.mod(P).signum() == 0 ? BigInteger.ZERO : a.modInverse(P), value(h), "invert");
    // Chains of operations stay within the limb bounds.
    Field25519.mul(h, f, g);
    for (int i = 0; i < 20; i++) {
      Field25519.sub(h, h, g);
      Field25519.mul(h, h, h);
      Field25519.add(h, h, f);
    }
    BigInteger expected = a.multiply(b).mod(P);
    for (int i = 0; i < 20; i++) {
      expected = expected.subtract(b).pow(2).add(a).mod(P);
    }
    assertEquals(expected, value(h), "chain");
  }

  @Property(tries = 500)
  void scalarReductionMatchesBigInteger(@ForAll @Size(64) byte[] wide) {
    byte[] out = new byte[32];
    new Scalar25519().reduce(out, 0, wide, 0);
    BigInteger value = BigInteger.ZERO;
    for (int i = 63; i >= 0; i--) {
      value = value.shiftLeft(8).or(BigInteger.valueOf(wide[i] & 0xFF));
    }
    assertEquals(value.mod(L), Ed25519VerifierTest.littleEndian(out, 0));
  }

  private static int[] limbs(BigInteger value) {
    int[] h = new int[10];
    Field25519.fromBytes(h, Ed25519VerifierTest.toLittleEndian(value), 0);
    return h;
  }

  private static BigInteger value(int[] h) {
    byte[] bytes = new byte[32];
    Field25519.toBytes(bytes, 0, h);
    return Ed25519VerifierTest.littleEndian(bytes, 0);
  }
}
