package dev.spela.protocols.checksum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class ChecksumTest {

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String sha(byte[] data) {
    Sha256 sha = new Sha256();
    sha.update(data, 0, data.length);
    byte[] out = new byte[32];
    sha.finish(out, 0);
    return HexFormat.of().formatHex(out);
  }

  @Test
  void sha256KnownVectors() {
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", sha(new byte[0]));
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sha(ascii("abc")));
    assertEquals(
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        sha(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")));
    byte[] million = new byte[1_000_000];
    java.util.Arrays.fill(million, (byte) 'a');
    assertEquals("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", sha(million));
  }

  @Test
  void sha256MatchesJdkForEveryLengthAndSplit() throws Exception {
    Random random = new Random(7);
    Sha256 sha = new Sha256();
    byte[] out = new byte[32];
    for (int n = 0; n < 300; n++) {
      byte[] data = new byte[n];
      random.nextBytes(data);
      int split = n == 0 ? 0 : random.nextInt(n + 1);
      sha.update(data, 0, split);
      sha.update(data, split, n - split);
      sha.finish(out, 0);
      assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), out, "length " + n);
      sha.update(data, 0, n);
      assertTrue(sha.finishAndCompare(out, 0));
      if (n > 0) {
        out[random.nextInt(32)] ^= 1;
        sha.update(data, 0, n);
        assertFalse(sha.finishAndCompare(out, 0));
      }
    }
  }

  @Test
  void crc32KnownVectorAndJdk() {
    Crc32 crc = new Crc32();
    crc.update(ascii("123456789"), 0, 9);
    assertEquals(0xCBF43926, crc.value());
    Random random = new Random(11);
    for (int n = 0; n < 200; n++) {
      byte[] data = new byte[n];
      random.nextBytes(data);
      CRC32 jdk = new CRC32();
      jdk.update(data);
      crc.reset();
      crc.update(data, 0, n / 3);
      crc.update(data, n / 3, n - n / 3);
      assertEquals((int) jdk.getValue(), crc.value());
    }
  }
}
