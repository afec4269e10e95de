package dev.spela.image;

import dev.spela.io.AtomicFile;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.protocols.image.ModelImageValidator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Model image files on the host: reading, checking, explaining a rejection, writing atomically. */
public final class ImageFiles {
  /** Larger files cannot be v1 images (a u32 length of 2^31 or more is invalid). */
  private static final long MAX_IMAGE_BYTES = Integer.MAX_VALUE - 8;

  private ImageFiles() {}

  /**
   * The bytes of {@code file}, unchecked, but never more than {@code maxBytes + 1}: the caller
   * tells a longer file by that extra byte. The size a file system reports is no guide ({@code
   * /dev/zero} has size 0 and no end), so the limit is on what is read.
   */
  public static byte[] read(Path file, int maxBytes) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes((int) Math.min(maxBytes, MAX_IMAGE_BYTES) + 1);
    }
  }

  /** The {@link ImageStatus} of the whole of {@code image}: {@code OK} or the first failed check. */
  public static int validate(byte[] image) {
    return new ModelImageValidator().validate(image, 0, image.length);
  }

  /** Writes {@code image} to {@code file}, complete or not at all. */
  public static void write(Path file, byte[] image) throws IOException {
    AtomicFile.write(file, image);
  }

  /**
   * The SHA-256 of the whole image file, in hex: what {@code sha256sum} prints and the hash an
   * over-the-air transfer announces (PROTOCOL.md, OFFER). The image's own trailing digest covers
   * every byte before it and is checked by validation.
   */
  public static String digest(byte[] image) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** The network's sizes, input first ({@code 784, 128, 34}), of a valid image. */
  public static int[] layerSizes(byte[] image) {
    ModelImageDecoder decoder = new ModelImageDecoder().wrap(image, 0, image.length);
    int[] sizes = new int[decoder.layerCount() + 1];
    sizes[0] = decoder.inputSize();
    for (int k = 0; k < decoder.layerCount(); k++) {
      sizes[k + 1] = decoder.outputs(k);
    }
    return sizes;
  }

  /** What a validation failure means, in one line, for error messages. */
  public static String describe(int status) {
    return switch (status) {
      case ImageStatus.OK -> "the image is valid";
      case ImageStatus.BAD_ARGUMENT -> "there are no bytes to check";
      case ImageStatus.TRUNCATED -> "the file is shorter than its header says: it is truncated";
      case ImageStatus.BAD_MAGIC -> "not a SPELA model image (it does not start with SPEL)";
      case ImageStatus.UNSUPPORTED_VERSION -> "the format version is not 1, the only one this tool reads";
      case ImageStatus.UNSUPPORTED_FLAGS -> "flags or reserved bytes hold values that format version 1 does not define";
      case ImageStatus.BAD_LAYER_COUNT -> "the layer count is outside 1.." + ModelImage.MAX_LAYERS;
      case ImageStatus.BAD_HEADER_LENGTH -> "the header length does not match the layer count";
      case ImageStatus.BAD_HEADER_CHECKSUM -> "the header's CRC-32 does not match: the header is corrupt";
      case ImageStatus.LENGTH_MISMATCH -> "there are bytes after the image's declared end";
      case ImageStatus.BAD_DIGEST -> "the SHA-256 digest does not match: the image is corrupt";
      case ImageStatus.BAD_PARAMETER ->
          "a training parameter (rounding mode, learning rate, early-exit margin, samples seen) is out of range";
      case ImageStatus.BAD_SHAPE -> "layer widths, input size or class count are out of range, or the layers do not chain";
      case ImageStatus.UNSUPPORTED_NUMBER_FORMAT ->
          "a number format, exponent or input fraction bits value is not supported";
      case ImageStatus.BAD_SECTION -> "a weights, biases or priors section is misplaced, misaligned or of the wrong length";
      case ImageStatus.BAD_VALUES -> "a weight or bias is beyond its limit, or a class vector is not a unit vector";
      case ImageStatus.DOES_NOT_FIT -> "the model needs more memory than the runtime has";
      default -> "unknown status " + status;
    };
  }
}
