package dev.spela.fleet.security;

import dev.spela.protocols.image.ImageSignature;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.Arrays;

/**
 * Signs model images for a fleet (MODEL_FORMAT.md, "Signed images"): appends the trailer with the
 * security counter, the key's id and the Ed25519 signature of the model image's SHA-256 and the
 * trailer's first bytes. The fleet signs with its host key, the key devices get at provisioning
 * (SECURITY.md, "Image signing").
 */
public final class ImageSigner {

  private final KeyPair key;
  private final byte[] publicKey;

  public ImageSigner(KeyPair key) {
    this.key = key;
    byte[] encoded = key.getPublic().getEncoded();
    this.publicKey = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
  }

  /**
   * {@code image} with a signature trailer of {@code securityCounter} (u32); an image that already
   * has one is signed again: its trailer is replaced.
   */
  public byte[] sign(byte[] image, long securityCounter) {
    if (securityCounter < 0 || securityCounter > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("a security counter is 0 .. 2^32 - 1, got " + securityCounter);
    }
    byte[] model = modelImage(image);
    byte[] signed = Arrays.copyOf(model, model.length + ImageSignature.TRAILER_LENGTH);
    byte[] trailer = trailer(sha256(model), securityCounter);
    System.arraycopy(trailer, 0, signed, model.length, trailer.length);
    return signed;
  }

  /** The trailer of a model image whose SHA-256 is {@code modelSha256}. */
  byte[] trailer(byte[] modelSha256, long securityCounter) {
    byte[] trailer = new byte[ImageSignature.TRAILER_LENGTH];
    ImageSignature.header((int) securityCounter, publicKey, trailer, 0);
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(key.getPrivate());
      signature.update(modelSha256);
      signature.update(trailer, 0, ImageSignature.SIGNATURE_OFFSET);
      byte[] tag = signature.sign();
      System.arraycopy(tag, 0, trailer, ImageSignature.SIGNATURE_OFFSET, tag.length);
      return trailer;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with the fleet's key: " + e.getMessage(), e);
    }
  }

  /** Whether {@code image} ends with a signature trailer (not whether it verifies). */
  public static boolean signed(byte[] image) {
    return ImageSignature.modelLength(image, image.length) != image.length;
  }

  /** The model image without its signature trailer (the image itself if it has none). */
  public static byte[] modelImage(byte[] image) {
    return Arrays.copyOf(image, ImageSignature.modelLength(image, image.length));
  }

  /** The security counter a signed image carries (u32), 0 for an unsigned one. */
  public static long securityCounter(byte[] image) {
    int model = ImageSignature.modelLength(image, image.length);
    return model == image.length ? 0 : ImageSignature.counter(image, model) & 0xFFFFFFFFL;
  }

  /** The SHA-256 that names an image: its model image's, signed or not (PROTOCOL.md, OFFER). */
  public static byte[] name(byte[] image) {
    return sha256(modelImage(image));
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
