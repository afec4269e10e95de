package dev.spela.runtime;

import dev.spela.protocols.image.ImageStatus;

/**
 * Status codes of runtime calls: 0 is success, failures are negative. {@link SpelaRuntime#load}
 * returns {@link ImageStatus} codes (-1 .. -16); the codes here (-32 and below) are the runtime's
 * own.
 */
public final class RuntimeStatus {

  public static final int OK = 0;

  /** A hyper-parameter outside its documented range (same code as in images). */
  public static final int BAD_PARAMETER = ImageStatus.BAD_PARAMETER;

  /** No model loaded yet. */
  public static final int NO_MODEL = -32;

  /** Null input, or offset such that inputSize bytes do not fit. */
  public static final int BAD_INPUT = -33;

  public static final int BAD_LABEL = -34;
  public static final int BAD_LAYER = -35;

  /** The output array cannot hold the image at that offset. */
  public static final int BUFFER_TOO_SMALL = -36;

  private RuntimeStatus() {}

  /** Name of any runtime or image status code. */
  public static String name(int status) {
    switch (status) {
      case NO_MODEL:
        return "NO_MODEL";
      case BAD_INPUT:
        return "BAD_INPUT";
      case BAD_LABEL:
        return "BAD_LABEL";
      case BAD_LAYER:
        return "BAD_LAYER";
      case BUFFER_TOO_SMALL:
        return "BUFFER_TOO_SMALL";
      default:
        return ImageStatus.name(status);
    }
  }
}
