package dev.spela.data;

/**
 * A dataset that cannot be read, verified, fetched or cached. The message is one line that names
 * the file or folder and the problem, fit to show to a user as it is.
 */
public final class DatasetException extends Exception {
  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
