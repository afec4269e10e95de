package dev.spela.runtime;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.storage.FlashStatus;

/**
 * Status codes of runtime calls: 0 is success, failures are negative. {@link SpelaRuntime#load}
 * returns {@link ImageStatus} codes (-1 .. -17); the codes here (-32 .. -37) are the runtime's own;
 * a failed flash write or read while writing an image returns its {@link FlashStatus} (-48 .. -51).
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

  /** The target region cannot hold the image at that offset. */
  public static final int BUFFER_TOO_SMALL = -36;

  /** {@link SpelaRuntime#rebase} onto an image that is not the one last written. */
  public static final int NOT_WRITTEN = -37;

  /** A flash read failed during a step (the image the model reads from is unreadable). */
  public static final int READ_FAILED = ImageStatus.READ_FAILED;

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
      case NOT_WRITTEN:
        return "NOT_WRITTEN";
      default:
        return status <= FlashStatus.OUT_OF_RANGE
            ? FlashStatus.name(status)
            : ImageStatus.name(status);
    }
  }
}
