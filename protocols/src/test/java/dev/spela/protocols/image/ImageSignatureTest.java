package dev.spela.protocols.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.spela.protocols.crypto.Ed25519Verifier;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** MODEL_FORMAT.md's golden signature trailer, checked as a device checks it. */
class ImageSignatureTest {

  /** RFC 8032 section 7.1, test 1: the public key of secret key 9d61b19d...7f60. */
  static final byte[] KEY =
      HexFormat.of().parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

  /** RFC 8032 section 7.1, test 2's public key: another fleet's. */
  static final byte[] OTHER_KEY =
      HexFormat.of().parseHex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");

  /** MODEL_FORMAT.md: the trailer of a model image whose SHA-256 is SHA-256("abc"), counter 7. */
  static final byte[] GOLDEN =
      HexFormat.of()
          .parseHex(
              "53505347010058000700000000000000d75a980182b10ab7"
                  + "e3940167f3e8927ed90835cdbf9c942e44b4e02bd8362ada2cf1ae531bc2cf53"
                  + "22b810ad304ad41800aa7b243951199f3813acf7dbf65c0b31a59376705f1701");

  private final Ed25519Verifier verifier = new Ed25519Verifier();

  static byte[] abc() throws Exception {
    return MessageDigest.getInstance("SHA-256").digest("abc".getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void theGoldenTrailerVerifiesAndCarriesItsCounter() throws Exception {
    assertEquals(ImageSignature.TRAILER_LENGTH, GOLDEN.length);
    assertEquals(ImageSignature.OK, ImageSignature.check(verifier, KEY, 0, GOLDEN, 0, abc(), 0));
    assertEquals(7, ImageSignature.counter(GOLDEN, 0));
    byte[] header = new byte[ImageSignature.SIGNATURE_OFFSET];
    ImageSignature.header(7, KEY, header, 0);
    assertEquals(HexFormat.of().formatHex(Arrays.copyOf(GOLDEN, header.length)), HexFormat.of().formatHex(header));
  }

  @Test
  void everyChangedBitOrAnotherKeyIsRefused() throws Exception {
    byte[] sha = abc();
    for (int bit = 0; bit < 8 * GOLDEN.length; bit++) {
      byte[] changed = GOLDEN.clone();
      changed[bit / 8] ^= (byte) (1 << (bit % 8));
      int expected =
          bit / 8 < ImageSignature.KEY_ID_OFFSET
              ? ImageSignature.NOT_SIGNED
              : bit / 8 < ImageSignature.SIGNATURE_OFFSET
                  ? ImageSignature.UNKNOWN_KEY
                  : ImageSignature.BAD_SIGNATURE;
      int status = ImageSignature.check(verifier, KEY, 0, changed, 0, sha, 0);
      if (bit / 8 >= ImageSignature.COUNTER_OFFSET && bit / 8 < ImageSignature.RESERVED_OFFSET) {
        expected = ImageSignature.BAD_SIGNATURE; // a counter is any value, but it is signed
      }
      assertEquals(expected, status, "bit " + bit);
    }
    for (int bit = 0; bit < 8 * sha.length; bit++) {
      byte[] other = sha.clone();
      other[bit / 8] ^= (byte) (1 << (bit % 8));
      assertEquals(ImageSignature.BAD_SIGNATURE, ImageSignature.check(verifier, KEY, 0, GOLDEN, 0, other, 0));
    }
    assertEquals(ImageSignature.UNKNOWN_KEY, ImageSignature.check(verifier, OTHER_KEY, 0, GOLDEN, 0, sha, 0));
    byte[] sameId = OTHER_KEY.clone();
    System.arraycopy(KEY, 0, sameId, 0, ImageSignature.KEY_ID_LENGTH);
    assertNotEquals(ImageSignature.OK, ImageSignature.check(verifier, sameId, 0, GOLDEN, 0, sha, 0));
    assertEquals(ImageSignature.NOT_SIGNED, ImageSignature.check(verifier, KEY, 0, GOLDEN, 1, sha, 0));
  }

  @Test
  void aTrailerIsFoundOnlyRightAfterTheModelImageItsHeaderDeclares() {
    byte[] model = TestImages.small(1);
    byte[] signed = Arrays.copyOf(model, model.length + ImageSignature.TRAILER_LENGTH);
    System.arraycopy(GOLDEN, 0, signed, model.length, GOLDEN.length);
    assertEquals(model.length, ImageSignature.modelLength(signed, signed.length));
    assertEquals(model.length, ImageSignature.modelLength(model, model.length), "unsigned");
    byte[] longer = Arrays.copyOf(signed, signed.length + 8);
    assertEquals(longer.length, ImageSignature.modelLength(longer, longer.length), "not right after");
    byte[] noMagic = signed.clone();
    noMagic[model.length] ^= 1;
    assertEquals(noMagic.length, ImageSignature.modelLength(noMagic, noMagic.length));
  }

  @Test
  @Tag("zero-allocation")
  void checkingASignatureAllocatesNothing() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    byte[] sha = abc();
    byte[] forged = GOLDEN.clone();
    forged[40] ^= 1;
    int failures = round(sha, forged);
    long before = threads.getCurrentThreadAllocatedBytes();
    long overhead = threads.getCurrentThreadAllocatedBytes() - before;
    before = threads.getCurrentThreadAllocatedBytes();
    for (int n = 0; n < 3; n++) {
      failures |= round(sha, forged);
    }
    long bytes = threads.getCurrentThreadAllocatedBytes() - before - overhead;
    assertEquals(0, failures);
    assertEquals(0, bytes);
  }

  private int round(byte[] sha, byte[] forged) {
    int failures = 0;
    failures |= ImageSignature.check(verifier, KEY, 0, GOLDEN, 0, sha, 0) == ImageSignature.OK ? 0 : 1;
    failures |= ImageSignature.check(verifier, KEY, 0, forged, 0, sha, 0) == ImageSignature.BAD_SIGNATURE ? 0 : 1;
    failures |= ImageSignature.check(verifier, OTHER_KEY, 0, GOLDEN, 0, sha, 0) == ImageSignature.UNKNOWN_KEY ? 0 : 1;
    failures |= ImageSignature.counter(GOLDEN, 0) == 7 ? 0 : 1;
    return failures;
  }
}
