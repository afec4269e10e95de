package dev.spela.cli;

import dev.spela.image.ImageFiles;
import dev.spela.protocols.image.ImageStatus;
import java.io.IOException;
import java.nio.file.Path;

/** Model image files named on the command line. */
final class ImageArguments {
  private ImageArguments() {}

  /**
   * The bytes of a valid model image.
   *
   * @throws CliException a failure (exit 1) naming the file, the failed check's status and what it means
   */
  static byte[] readValid(Path file) {
    byte[] image;
    try {
      image = ImageFiles.read(file);
    } catch (IOException e) {
      throw CliException.failure("cannot read " + file + ": " + e.getMessage(), e);
    }
    int status = ImageFiles.validate(image);
    if (status != ImageStatus.OK) {
      throw CliException.failure(
          file + ": invalid model image, " + ImageStatus.name(status) + ": " + ImageFiles.describe(status));
    }
    return image;
  }

  /** Writes {@code image} to {@code file} atomically; exit 1 if it cannot. */
  static void write(Path file, byte[] image) {
    try {
      ImageFiles.write(file, image);
    } catch (IOException e) {
      throw CliException.failure("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
