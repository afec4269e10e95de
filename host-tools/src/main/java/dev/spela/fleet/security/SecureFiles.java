package dev.spela.fleet.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Files of the fleet folder: written whole (new file, then an atomic move), secrets owner-only. */
final class SecureFiles {

  private SecureFiles() {}

  /**
   * Writes {@code bytes} to a temporary file beside {@code file}, then moves it over {@code file}:
   * a reader sees the old content or the new, never a mix. Secrets get mode 0600 before any byte is
   * written; other files 0644 (where the file system has POSIX permissions).
   */
  static void writeAtomically(Path file, byte[] bytes, boolean secret) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
    try {
      setMode(temp, secret ? "rw-------" : "rw-r--r--");
      Files.write(temp, bytes);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  static void setMode(Path path, String mode) throws IOException {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: its own access rules apply
    }
  }
}
