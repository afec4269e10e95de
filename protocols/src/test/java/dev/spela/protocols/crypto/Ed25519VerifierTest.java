package dev.spela.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Ed25519VerifierTest {

  private static final BigInteger L =
      BigInteger.ONE.shiftLeft(252).add(new BigInteger("27742317777372353535851937790883648493"));

  private final Ed25519Verifier verifier = new Ed25519Verifier();

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  private boolean verify(byte[] key, byte[] message, byte[] signature) {
    return verifier.verify(key, 0, message, 0, message.length, signature, 0);
  }

  /**
   * RFC 8032, section 7.1: TEST 1, 2, 3 and SHA(abc) (secret key, public key, message, signature).
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "TEST 1, 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60,"
        + " d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a, '',"
        + " e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    "TEST 2, 4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb,"
        + " 3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c, 72,"
        + " 92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    "TEST 3, c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7,"
        + " fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025, af82,"
        + " 6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    "TEST SHA(abc), 833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42,"
        + " ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf,"
        + " ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f,"
        + " dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"
  })
  void rfc8032Vectors(
      String name, String secret, String publicKey, String message, String signature)
      throws Exception {
    byte[] key = hex(publicKey);
    byte[] m = hex(message);
    byte[] sig = hex(signature);
    assertArrayEquals(
        sig, JdkEd25519.sign(JdkEd25519.privateKey(hex(secret)), m), "the JDK agrees");
    assertTrue(verify(key, m, sig));
    for (int bit = 0; bit < 512; bit += 7) {
      byte[] bad = sig.clone();
      bad[bit >> 3] ^= (byte) (1 << (bit & 7));
      assertFalse(verify(key, m, bad), "signature bit " + bit);
    }
    byte[] otherKey = key.clone();
    otherKey[5] ^= 1;
    assertFalse(verify(otherKey, m, sig));
    byte[] longer = java.util.Arrays.copyOf(m, m.length + 1);
    assertFalse(verify(key, longer, sig));
  }

  @Test
  void streamingInPiecesEqualsOneShot() throws Exception {
    byte[] message = new byte[5000];
    new java.util.Random(3).nextBytes(message);
    var pair = JdkEd25519.keyPair("Ed25519", 42);
    byte[] key = JdkEd25519.raw(pair.getPublic());
    byte[] sig = JdkEd25519.sign(pair.getPrivate(), message);
    assertTrue(verifier.start(key, 0, sig, 0));
    for (int at = 0; at < message.length; at += 1024) {
      verifier.update(message, at, Math.min(1024, message.length - at));
    }
    assertTrue(verifier.finish());
    assertFalse(verifier.finish(), "a finished verification must be started again");
  }

  /** S + L names the same scalar, but RFC 8032 requires S < L (signatures are not malleable). */
  @Test
  void refusesSignatureWhoseSIsNotReduced() throws Exception {
    var pair = JdkEd25519.keyPair("Ed25519", 7);
    byte[] key = JdkEd25519.raw(pair.getPublic());
    byte[] message = {1, 2, 3};
    byte[] sig = JdkEd25519.sign(pair.getPrivate(), message);
    BigInteger s = littleEndian(sig, 32).add(L);
    byte[] malleated = sig.clone();
    byte[] sPlusL = toLittleEndian(s);
    System.arraycopy(sPlusL, 0, malleated, 32, 32);
    assertTrue(verify(key, message, sig));
    assertFalse(verify(key, message, malleated));
  }

  /** A key whose y is not below p (here p + 1, a non-canonical y = 1) is not a key. */
  @Test
  void refusesNonCanonicalOrOffCurveKeys() throws Exception {
    BigInteger p = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
    byte[] nonCanonical = toLittleEndian(p.add(BigInteger.ONE));
    byte[] sig = new byte[64];
    assertFalse(verifier.start(nonCanonical, 0, sig, 0));
    // y = 2 has no x on the curve: (4 - 1) / (4d + 1) is not a square.
    byte[] offCurve = toLittleEndian(BigInteger.TWO);
    assertFalse(verifier.start(offCurve, 0, sig, 0));
  }

  static BigInteger littleEndian(byte[] bytes, int offset) {
    byte[] big = new byte[33];
    for (int i = 0; i < 32; i++) {
      big[32 - i] = bytes[offset + i];
    }
    return new BigInteger(big);
  }

  static byte[] toLittleEndian(BigInteger value) {
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      out[i] = value.shiftRight(8 * i).byteValue();
    }
    return out;
  }
}
