package dev.spela.protocols.image;

/** Status codes of image validation and loading: 0 is success, every failure is negative. */
public final class ImageStatus {

  public static final int OK = 0;

  /** Null buffer, or offset/length outside the buffer. */
  public static final int BAD_ARGUMENT = -1;

  /**
   * Fewer bytes than the fixed header, the layer table plus digest, or the declared image length.
   */
  public static final int TRUNCATED = -2;

  public static final int BAD_MAGIC = -3;
  public static final int UNSUPPORTED_VERSION = -4;

  /** Header flags, layer flags or reserved fields hold bits this version does not define. */
  public static final int UNSUPPORTED_FLAGS = -5;

  public static final int BAD_LAYER_COUNT = -6;
  public static final int BAD_HEADER_LENGTH = -7;

  /** The declared image length is shorter than the bytes given. */
  public static final int LENGTH_MISMATCH = -8;

  public static final int BAD_HEADER_CHECKSUM = -9;
  public static final int BAD_DIGEST = -10;

  /** Widths, class count or input size out of range, or layers that do not chain. */
  public static final int BAD_SHAPE = -11;

  /** Unknown input, weight, bias or prior format, exponent out of range, unsafe fraction bits. */
  public static final int UNSUPPORTED_NUMBER_FORMAT = -12;

  /** A section misaligned, of the wrong length, outside the image body, or overlapping another. */
  public static final int BAD_SECTION = -13;

  /** Learning rate, early-exit margin, rounding mode or samples seen out of range. */
  public static final int BAD_PARAMETER = -14;

  /** A weight or bias beyond its headroom limit, or a prior that is not a unit vector. */
  public static final int BAD_VALUES = -15;

  /** A valid image that needs more memory than the runtime's arena was planned for. */
  public static final int DOES_NOT_FIT = -16;

  /** (Runtime) the flash holding the image could not be read. */
  public static final int READ_FAILED = -17;

  private ImageStatus() {}

  /** A constant name for a status code, for logs and error messages. */
  public static String name(int status) {
    switch (status) {
      case OK:
        return "OK";
      case BAD_ARGUMENT:
        return "BAD_ARGUMENT";
      case TRUNCATED:
        return "TRUNCATED";
      case BAD_MAGIC:
        return "BAD_MAGIC";
      case UNSUPPORTED_VERSION:
        return "UNSUPPORTED_VERSION";
      case UNSUPPORTED_FLAGS:
        return "UNSUPPORTED_FLAGS";
      case BAD_LAYER_COUNT:
        return "BAD_LAYER_COUNT";
      case BAD_HEADER_LENGTH:
        return "BAD_HEADER_LENGTH";
      case LENGTH_MISMATCH:
        return "LENGTH_MISMATCH";
      case BAD_HEADER_CHECKSUM:
        return "BAD_HEADER_CHECKSUM";
      case BAD_DIGEST:
        return "BAD_DIGEST";
      case BAD_SHAPE:
        return "BAD_SHAPE";
      case UNSUPPORTED_NUMBER_FORMAT:
        return "UNSUPPORTED_NUMBER_FORMAT";
      case BAD_SECTION:
        return "BAD_SECTION";
      case BAD_PARAMETER:
        return "BAD_PARAMETER";
      case BAD_VALUES:
        return "BAD_VALUES";
      case DOES_NOT_FIT:
        return "DOES_NOT_FIT";
      case READ_FAILED:
        return "READ_FAILED";
      default:
        return "UNKNOWN";
    }
  }
}
