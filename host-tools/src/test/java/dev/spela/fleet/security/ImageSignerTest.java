package dev.spela.fleet.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.fleet.FleetDemo;
import dev.spela.protocols.crypto.Ed25519Verifier;
import dev.spela.protocols.image.ImageSignature;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The host's image signing against MODEL_FORMAT.md's golden trailer and the device's check. */
class ImageSignerTest {

  private static final HexFormat HEX = HexFormat.of();

  /** RFC 8032 section 7.1, test 1. */
  static KeyPair rfcKey() throws Exception {
    KeyFactory factory = KeyFactory.getInstance("Ed25519");
    byte[] seed = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    byte[] x509 = HEX.parseHex("302a300506032b6570032100"
        + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    return new KeyPair(factory.generatePublic(new X509EncodedKeySpec(x509)),
        factory.generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed)));
  }

  private static byte[] raw(KeyPair key) {
    byte[] encoded = key.getPublic().getEncoded();
    return Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
  }

  @Test
  void theTrailerIsMODEL_FORMATsGoldenVector() throws Exception {
    byte[] abc = MessageDigest.getInstance("SHA-256").digest("abc".getBytes(StandardCharsets.US_ASCII));
    assertEquals(
        "53505347010058000700000000000000d75a980182b10ab7"
            + "e3940167f3e8927ed90835cdbf9c942e44b4e02bd8362ada2cf1ae531bc2cf53"
            + "22b810ad304ad41800aa7b243951199f3813acf7dbf65c0b31a59376705f1701",
        HEX.formatHex(new ImageSigner(rfcKey()).trailer(abc, 7)));
  }

  @Test
  void aSignedImageIsTheModelImageAndATrailerTheDeviceAccepts() throws Exception {
    KeyPair key = rfcKey();
    byte[] model = FleetDemo.untrainedImage(new int[] {12, 6, 3}, 3, 0.01, 7);
    byte[] signed = new ImageSigner(key).sign(model, 0xFFFFFFFEL);
    assertEquals(model.length + ImageSignature.TRAILER_LENGTH, signed.length);
    assertArrayEquals(model, Arrays.copyOf(signed, model.length), "the model image is unchanged");
    assertTrue(ImageSigner.signed(signed));
    assertFalse(ImageSigner.signed(model));
    assertEquals(0xFFFFFFFEL, ImageSigner.securityCounter(signed));
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(model), ImageSigner.name(signed));
    assertEquals(ImageSignature.OK, ImageSignature.check(new Ed25519Verifier(), raw(key), 0, signed, model.length,
        ImageSigner.name(signed), 0));

    byte[] resigned = new ImageSigner(key).sign(signed, 3);
    assertEquals(signed.length, resigned.length, "signing again replaces the trailer");
    assertEquals(3, ImageSigner.securityCounter(resigned));
  }
}
