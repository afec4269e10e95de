package dev.spela.boards;

/** A board profile that cannot be used: unreadable, malformed, or with an impossible figure. */
public final class BoardProfileException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BoardProfileException(String message) {
    super(message);
  }

  public BoardProfileException(String message, Throwable cause) {
    super(message, cause);
  }
}
