package dev.spela.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A batch's claim secret, read from a file or the environment, never from the command line (which
 * other users of the machine see in {@code ps}).
 */
final class ClaimSecret {

  static final String ENVIRONMENT = "SPELA_CLAIM_SECRET";

  private ClaimSecret() {}

  /** The file's bytes (a final newline dropped) if {@code file} is given, else the environment's. */
  static byte[] read(Path file) {
    String text;
    if (file != null) {
      try {
        text = Files.readString(file).stripTrailing();
      } catch (IOException e) {
        throw CliException.failure("cannot read the claim secret from " + file + ": " + e.getMessage(), e);
      }
    } else {
      text = System.getenv(ENVIRONMENT);
      if (text == null) {
        throw CliException.usage("give the claim secret with --claim-secret-file FILE or $" + ENVIRONMENT);
      }
    }
    if (text.length() < 8) {
      throw CliException.usage("the claim secret is too short (at least 8 characters; 16 random bytes are better)");
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
