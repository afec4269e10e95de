package dev.spela.cli;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.BoardProfile;
import dev.spela.image.ImageFiles;
import dev.spela.protocols.image.ImageStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Model image files named on the command line. */
final class ImageArguments {
  private ImageArguments() {}

  /**
   * The bytes of a valid model image.
   *
   * @throws CliException a failure (exit 1) naming the file and why it cannot be read, or the failed
   *     check's status and what it means; a file longer than any board's flash is refused after
   *     reading that much, so that {@code /dev/zero} or a wrong file ends at once
   */
  static byte[] readValid(Path file) {
    int limit = largestImageBytes();
    byte[] image;
    try {
      image = ImageFiles.read(file, limit);
    } catch (IOException e) {
      throw CliException.cannotRead(file, e);
    }
    if (image.length > limit) {
      throw CliException.failure(String.format(Locale.ROOT,
          "%s: not a model image: longer than %,d bytes, the flash of the largest board (spela boards)", file, limit));
    }
    int status = ImageFiles.validate(image);
    if (status != ImageStatus.OK) {
      throw CliException.failure(
          file + ": invalid model image, " + ImageStatus.name(status) + ": " + ImageFiles.describe(status));
    }
    return image;
  }

  /** No board holds an image larger than its whole flash. */
  private static int largestImageBytes() {
    long flash = BoardCatalogue.standard().boards().stream().mapToLong(BoardProfile::flashBytes).max().orElseThrow();
    return (int) Math.min(Integer.MAX_VALUE - 8, flash);
  }

  /** Writes {@code image} to {@code file} atomically; exit 1 if it cannot. */
  static void write(Path file, byte[] image) {
    try {
      ImageFiles.write(file, image);
    } catch (IOException e) {
      throw CliException.cannotWrite(file, e);
    }
  }
}
