package dev.spela.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tinylog.Logger;

/**
 * A run folder that a command may create or add to: if the command fails before its run began (no
 * broker, say), {@link #discard()} removes what it added, the folder itself if the command created
 * it, so that a failed start leaves nothing behind.
 */
public final class RunFolder {

  /** The files a run's telemetry database consists of (SQLite's write-ahead log beside it). */
  private static final List<String> DATABASE_FILES =
      List.of(TelemetryStore.FILE_NAME, TelemetryStore.FILE_NAME + "-wal", TelemetryStore.FILE_NAME + "-shm");

  private final Path dir;
  private final boolean existed;
  private final List<Path> newFiles;

  private RunFolder(Path dir, boolean existed, List<Path> newFiles) {
    this.dir = dir;
    this.existed = existed;
    this.newFiles = newFiles;
  }

  /** Notes what exists at {@code dir} now; creates nothing. */
  public static RunFolder at(Path dir) {
    List<Path> newFiles = DATABASE_FILES.stream().map(dir::resolve).filter(f -> !Files.exists(f)).toList();
    return new RunFolder(dir, Files.exists(dir), newFiles);
  }

  public Path dir() {
    return dir;
  }

  /** Removes the folder if this command created it, else the database files it added. */
  public void discard() {
    if (!existed) {
      EmbeddedBroker.deleteTree(dir);
      return;
    }
    for (Path file : newFiles) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        Logger.debug("could not remove {}: {}", file, e.getMessage());
      }
    }
  }
}
