package dev.spela.protocols.image;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.checksum.Sha256;
import dev.spela.protocols.crypto.Ed25519Verifier;
import dev.spela.protocols.subset.SteadyState;

/**
 * The signature trailer of a signed model image (MODEL_FORMAT.md, "Signed images"): 88 bytes after
 * the unchanged model image, holding the image's security counter, the signing key's id and an
 * Ed25519 signature of a small fixed message: the model image's SHA-256 (its name, which a device
 * has already checked against the OFFER) followed by the trailer's first 24 bytes. So a device
 * verifies without hashing the image again, as MCUboot signs the image hash.
 */
@SteadyState
public final class ImageSignature {

  /** ASCII {@code SPSG} read as a little-endian u32. */
  public static final int MAGIC = 0x47535053;

  public static final int VERSION = 1;
  public static final int MAGIC_OFFSET = 0;
  public static final int VERSION_OFFSET = 4;
  public static final int LENGTH_OFFSET = 6;
  public static final int COUNTER_OFFSET = 8;
  public static final int RESERVED_OFFSET = 12;
  public static final int KEY_ID_OFFSET = 16;
  public static final int KEY_ID_LENGTH = 8;
  public static final int SIGNATURE_OFFSET = 24;
  public static final int TRAILER_LENGTH = SIGNATURE_OFFSET + Ed25519Verifier.SIGNATURE_LENGTH;

  /** The signed message: the model image's SHA-256, then the trailer's bytes before the signature. */
  public static final int MESSAGE_LENGTH = Sha256.DIGEST_LENGTH + SIGNATURE_OFFSET;

  // check() results.
  public static final int OK = 0;

  /** No trailer: wrong magic, version, length or non-zero reserved bytes. */
  public static final int NOT_SIGNED = -1;

  /** Signed by a key whose id is not the trusted key's. */
  public static final int UNKNOWN_KEY = -2;

  /** The signature does not verify under the trusted key. */
  public static final int BAD_SIGNATURE = -3;

  private ImageSignature() {}

  /**
   * Checks the trailer at {@code trailer[offset..offset + TRAILER_LENGTH)} of a model image whose
   * SHA-256 is {@code imageSha256[shaOffset..]}, against the trusted Ed25519 public key: {@link
   * #OK}, {@link #NOT_SIGNED}, {@link #UNKNOWN_KEY} or {@link #BAD_SIGNATURE}. Allocates nothing.
   */
  public static int check(
      Ed25519Verifier verifier,
      byte[] trustedKey,
      int keyOffset,
      byte[] trailer,
      int offset,
      byte[] imageSha256,
      int shaOffset) {
    if (!Bounds.within(trailer, offset, TRAILER_LENGTH)
        || !Bounds.within(imageSha256, shaOffset, Sha256.DIGEST_LENGTH)
        || !Bounds.within(trustedKey, keyOffset, Ed25519Verifier.PUBLIC_KEY_LENGTH)) {
      return NOT_SIGNED;
    }
    if (LittleEndian.i32(trailer, offset + MAGIC_OFFSET) != MAGIC
        || LittleEndian.u16(trailer, offset + VERSION_OFFSET) != VERSION
        || LittleEndian.u16(trailer, offset + LENGTH_OFFSET) != TRAILER_LENGTH
        || LittleEndian.i32(trailer, offset + RESERVED_OFFSET) != 0) {
      return NOT_SIGNED;
    }
    for (int k = 0; k < KEY_ID_LENGTH; k++) {
      if (trailer[offset + KEY_ID_OFFSET + k] != trustedKey[keyOffset + k]) {
        return UNKNOWN_KEY;
      }
    }
    if (!verifier.start(trustedKey, keyOffset, trailer, offset + SIGNATURE_OFFSET)) {
      return BAD_SIGNATURE;
    }
    verifier.update(imageSha256, shaOffset, Sha256.DIGEST_LENGTH);
    verifier.update(trailer, offset, SIGNATURE_OFFSET);
    return verifier.finish() ? OK : BAD_SIGNATURE;
  }

  /** The security counter (u32) of the trailer at {@code trailer[offset..]}; 0 if it is not there. */
  public static int counter(byte[] trailer, int offset) {
    if (!Bounds.within(trailer, offset, TRAILER_LENGTH)) {
      return 0;
    }
    return LittleEndian.i32(trailer, offset + COUNTER_OFFSET);
  }

  /**
   * The length of the model image inside {@code image[0, length)}: {@code length - TRAILER_LENGTH}
   * if the bytes end with a trailer right after a model image whose header says so (its {@code
   * imageLength} field), else {@code length} (an unsigned image, or not an image at all).
   */
  public static int modelLength(byte[] image, int length) {
    if (!Bounds.within(image, 0, length) || length < ModelImage.HEADER_FIXED_LENGTH + TRAILER_LENGTH) {
      return length;
    }
    int model = length - TRAILER_LENGTH;
    boolean trailer =
        LittleEndian.i32(image, ModelImage.OFF_IMAGE_LENGTH) == model
            && LittleEndian.i32(image, ModelImage.OFF_MAGIC) == ModelImage.MAGIC
            && LittleEndian.i32(image, model + MAGIC_OFFSET) == MAGIC;
    return trailer ? model : length;
  }

  /**
   * Writes a trailer without its signature to {@code out[offset..]}: magic, version, length, the
   * security counter and the id of the signing key (the first 8 bytes of its public key).
   */
  public static void header(int securityCounter, byte[] publicKey, byte[] out, int offset) {
    if (!Bounds.within(out, offset, SIGNATURE_OFFSET)
        || !Bounds.within(publicKey, 0, Ed25519Verifier.PUBLIC_KEY_LENGTH)) {
      return;
    }
    LittleEndian.put32(out, offset + MAGIC_OFFSET, MAGIC);
    LittleEndian.put16(out, offset + VERSION_OFFSET, VERSION);
    LittleEndian.put16(out, offset + LENGTH_OFFSET, TRAILER_LENGTH);
    LittleEndian.put32(out, offset + COUNTER_OFFSET, securityCounter);
    LittleEndian.put32(out, offset + RESERVED_OFFSET, 0);
    System.arraycopy(publicKey, 0, out, offset + KEY_ID_OFFSET, KEY_ID_LENGTH);
  }
}
