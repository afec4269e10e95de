package dev.spela.cli;

import dev.spela.io.IoFailures;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A failure the user can act on: printed as one line, without a stack trace unless --verbose.
 * Usage errors (bad option values) exit with 2, everything else with 1.
 */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  private CliException(String message, int exitCode, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** A bad option or argument value: exit code 2. */
  public static CliException usage(String message) {
    return new CliException(message, SpelaCommand.EXIT_USAGE, null);
  }

  /** A run that could not be done (missing or corrupt data, I/O): exit code 1. */
  public static CliException failure(String message) {
    return new CliException(message, SpelaCommand.EXIT_FAILURE, null);
  }

  /** As {@link #failure(String)}, keeping the cause for --verbose. */
  public static CliException failure(String message, Throwable cause) {
    return new CliException(message, SpelaCommand.EXIT_FAILURE, cause);
  }

  /** A file that could not be read: exit 1, "cannot read FILE: REASON". */
  public static CliException cannotRead(Path file, IOException cause) {
    return failure("cannot read " + file + ": " + IoFailures.reason(file, cause), cause);
  }

  /** A file that could not be written: exit 1, "cannot write FILE: REASON". */
  public static CliException cannotWrite(Path file, IOException cause) {
    return failure("cannot write " + file + ": " + IoFailures.reason(file, cause), cause);
  }

  public int exitCode() {
    return exitCode;
  }
}
