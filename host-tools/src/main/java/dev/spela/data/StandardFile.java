package dev.spela.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The four files of an MNIST-style dataset, under their standard names. */
public enum StandardFile {
  TRAIN_IMAGES("train-images-idx3-ubyte"),
  TRAIN_LABELS("train-labels-idx1-ubyte"),
  TEST_IMAGES("t10k-images-idx3-ubyte"),
  TEST_LABELS("t10k-labels-idx1-ubyte");

  /** Suffix of the compressed variant; the content, not the name, decides how a file is read. */
  public static final String GZIP_SUFFIX = ".gz";

  private final String fileName;

  StandardFile(String fileName) {
    this.fileName = fileName;
  }

  /** The uncompressed file's standard name, such as {@code train-images-idx3-ubyte}. */
  public String fileName() {
    return fileName;
  }

  /** The file in {@code dir}: the raw name if present, else the {@code .gz} name, else empty. */
  public Optional<Path> locate(Path dir) {
    Path raw = dir.resolve(fileName);
    if (Files.isRegularFile(raw)) {
      return Optional.of(raw);
    }
    Path gz = dir.resolve(fileName + GZIP_SUFFIX);
    return Files.isRegularFile(gz) ? Optional.of(gz) : Optional.empty();
  }

  /** The standard file that {@code name} (with or without {@code .gz}) names, if any. */
  public static Optional<StandardFile> byFileName(String name) {
    String base = name.endsWith(GZIP_SUFFIX) ? name.substring(0, name.length() - 3) : name;
    for (StandardFile file : values()) {
      if (file.fileName.equals(base)) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }
}
