package dev.spela.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class X25519Test {

  private final X25519 x25519 = new X25519();

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  private String shared(String scalar, String u) {
    byte[] out = new byte[32];
    x25519.sharedSecret(out, 0, hex(scalar), 0, hex(u), 0);
    return HexFormat.of().formatHex(out);
  }

  /** RFC 7748, section 5.2: the two single multiplications. */
  @Test
  void rfc7748Vectors() {
    assertEquals(
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
        shared(
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
            "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
    assertEquals(
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
        shared(
            "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
            "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"));
  }

  /** RFC 7748, section 6.1: Alice and Bob agree. */
  @Test
  void rfc7748DiffieHellman() {
    String alice = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    String bob = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    byte[] alicePublic = new byte[32];
    byte[] bobPublic = new byte[32];
    x25519.publicKey(alicePublic, 0, hex(alice), 0);
    x25519.publicKey(bobPublic, 0, hex(bob), 0);
    assertEquals(
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
        HexFormat.of().formatHex(alicePublic));
    assertEquals(
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
        HexFormat.of().formatHex(bobPublic));
    String secret = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    assertEquals(secret, shared(alice, HexFormat.of().formatHex(bobPublic)));
    assertEquals(secret, shared(bob, HexFormat.of().formatHex(alicePublic)));
  }

  /** RFC 7748, section 5.2: k = u = 9, then k, u = X25519(k, u), k 1000 times. */
  @Test
  void rfc7748Iterated() {
    byte[] k = hex("0900000000000000000000000000000000000000000000000000000000000000");
    byte[] u = k.clone();
    byte[] out = new byte[32];
    for (int i = 1; i <= 1000; i++) {
      x25519.sharedSecret(out, 0, k, 0, u, 0);
      System.arraycopy(k, 0, u, 0, 32);
      System.arraycopy(out, 0, k, 0, 32);
      if (i == 1) {
        assertEquals(
            "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
            HexFormat.of().formatHex(k));
      }
    }
    assertEquals(
        "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51",
        HexFormat.of().formatHex(k));
  }

  /** A peer key of small order (here u = 0) gives an all-zero secret, which must be refused. */
  @Test
  void refusesSmallOrderPeerKeys() {
    byte[] out = new byte[32];
    byte[] scalar = hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
    assertFalse(x25519.sharedSecret(out, 0, scalar, 0, new byte[32], 0));
    byte[] one = new byte[32];
    one[0] = 1;
    assertFalse(x25519.sharedSecret(out, 0, scalar, 0, one, 0));
    one[0] = 9;
    assertTrue(x25519.sharedSecret(out, 0, scalar, 0, one, 0));
  }
}
