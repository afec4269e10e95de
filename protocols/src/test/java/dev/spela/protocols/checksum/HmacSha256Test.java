package dev.spela.protocols.checksum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class HmacSha256Test {

  private static String mac(byte[] key, byte[] data) {
    HmacSha256 mac = new HmacSha256();
    mac.key(key, 0, key.length);
    mac.update(data, 0, data.length);
    byte[] out = new byte[32];
    mac.finish(out, 0);
    return HexFormat.of().formatHex(out);
  }

  private static byte[] repeat(int value, int count) {
    byte[] b = new byte[count];
    java.util.Arrays.fill(b, (byte) value);
    return b;
  }

  /** RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (case 5 truncates the output). */
  @Test
  void rfc4231Vectors() {
    HexFormat hex = HexFormat.of();
    assertEquals(
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        mac(repeat(0x0b, 20), "Hi There".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        mac(
            "Jefe".getBytes(StandardCharsets.US_ASCII),
            "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        mac(repeat(0xaa, 20), repeat(0xdd, 50)));
    assertEquals(
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        mac(hex.parseHex("0102030405060708090a0b0c0d0e0f10111213141516171819"), repeat(0xcd, 50)));
    assertEquals(
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        mac(
            repeat(0xaa, 131),
            "Test Using Larger Than Block-Size Key - Hash Key First"
                .getBytes(StandardCharsets.US_ASCII)));
    assertEquals(
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        mac(
            repeat(0xaa, 131),
            ("This is a test using a larger than block-size key and a larger than block-size data."
                 + " The key needs to be hashed before being used by the HMAC algorithm.")
                .getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void matchesTheJdkForRandomKeysAndMessagesAcrossReuse() throws Exception {
    Random random = new Random(4231);
    HmacSha256 mac = new HmacSha256();
    byte[] out = new byte[32];
    for (int n = 0; n < 200; n++) {
      byte[] key = new byte[1 + random.nextInt(150)];
      byte[] data = new byte[random.nextInt(300)];
      random.nextBytes(key);
      random.nextBytes(data);
      Mac jdk = Mac.getInstance("HmacSHA256");
      jdk.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] expected = jdk.doFinal(data);
      mac.key(key, 0, key.length);
      for (int round = 0; round < 2; round++) {
        int split = data.length / 3;
        mac.update(data, 0, split);
        mac.update(data, split, data.length - split);
        mac.finish(out, 0);
        assertArrayEquals(expected, out);
      }
      mac.update(data, 0, data.length);
      assertTrue(mac.finishAndCompare(expected, 0));
      expected[random.nextInt(32)] ^= 1;
      mac.update(data, 0, data.length);
      assertFalse(mac.finishAndCompare(expected, 0));
    }
  }
}
