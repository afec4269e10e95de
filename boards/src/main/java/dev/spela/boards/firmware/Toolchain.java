package dev.spela.boards.firmware;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The programs a firmware needs, found on the PATH: the Arm cross compiler with newlib (to build)
 * and QEMU (to run). A missing one is named with the Debian package that provides it.
 */
final class Toolchain {

  static final String GCC = "arm-none-eabi-gcc";
  static final String QEMU = "qemu-system-arm";

  private Toolchain() {}

  /** The cross compiler with newlib-nano, or an exception naming the packages to install. */
  static Path requireCompiler() {
    Path gcc =
        find(GCC)
            .orElseThrow(
                () ->
                    new FirmwareException(
                        GCC
                            + " was not found on the PATH: install the Debian packages"
                            + " gcc-arm-none-eabi and libnewlib-arm-none-eabi"
                            + " (sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"));
    String specs = output(List.of(gcc.toString(), "-print-file-name=nano.specs")).strip();
    if (!Files.isRegularFile(Path.of(specs))) {
      throw new FirmwareException(
          "newlib-nano for "
              + GCC
              + " is missing: install the Debian package libnewlib-arm-none-eabi"
              + " (sudo apt-get install libnewlib-arm-none-eabi)");
    }
    return gcc;
  }

  /** QEMU for Arm, or an exception naming the package to install. */
  static Path requireEmulator() {
    return find(QEMU)
        .orElseThrow(
            () ->
                new FirmwareException(
                    QEMU
                        + " was not found on the PATH: install the Debian package qemu-system-arm"
                        + " (sudo apt-get install qemu-system-arm)"));
  }

  private static Optional<Path> find(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Runs a short query command and returns its standard output. */
  static String output(List<String> command) {
    try {
      Process process =
          new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new FirmwareException(String.join(" ", command) + " did not finish in 60 s");
      }
      return out;
    } catch (IOException e) {
      throw new FirmwareException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FirmwareException("interrupted while running " + command.get(0), e);
    }
  }
}
