package dev.spela.boards.firmware;

/** A firmware could not be built or run; the message is one line a user can act on. */
public final class FirmwareException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FirmwareException(String message) {
    super(message);
  }

  public FirmwareException(String message, Throwable cause) {
    super(message, cause);
  }
}
