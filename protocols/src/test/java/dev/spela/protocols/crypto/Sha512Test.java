package dev.spela.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Sha512Test {

  private static String sha(byte[] data) {
    Sha512 sha = new Sha512();
    sha.update(data, 0, data.length);
    byte[] out = new byte[Sha512.DIGEST_LENGTH];
    sha.finish(out, 0);
    return HexFormat.of().formatHex(out);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** FIPS 180-4 examples (NIST CSRC "SHA-512" example values) and the million-'a' vector. */
  @Test
  void nistVectors() {
    assertEquals(
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            + "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        sha(new byte[0]));
    assertEquals(
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        sha(ascii("abc")));
    assertEquals(
        "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
            + "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
        sha(
            ascii(
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                    + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")));
    byte[] million = new byte[1_000_000];
    Arrays.fill(million, (byte) 'a');
    assertEquals(
        "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
            + "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
        sha(million));
  }

  /** Every length around the block and padding boundaries, fed in two arbitrary pieces. */
  @Test
  void matchesJdkForEveryLengthAndSplit() throws Exception {
    Random random = new Random(11);
    Sha512 sha = new Sha512();
    byte[] out = new byte[Sha512.DIGEST_LENGTH];
    for (int n = 0; n < 400; n++) {
      byte[] data = new byte[n];
      random.nextBytes(data);
      int split = n == 0 ? 0 : random.nextInt(n + 1);
      sha.update(data, 0, split);
      sha.update(data, split, n - split);
      sha.finish(out, 0);
      assertArrayEquals(MessageDigest.getInstance("SHA-512").digest(data), out, "length " + n);
    }
  }
}
