package dev.spela.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An image classification dataset held in memory: a name, a train split and a test split. */
public final class Dataset {
  /**
   * The most classes a dataset may have, so that a label and the class count fit in an unsigned
   * byte.
   */
  public static final int MAX_CLASSES = 255;

  private final String name;
  private final Split train;
  private final Split test;
  private final int numClasses;

  /**
   * @throws IllegalArgumentException if the splits' images differ in size or a label is 255
   */
  public Dataset(String name, Split train, Split test) {
    if (train.rows() != test.rows() || train.cols() != test.cols()) {
      throw new IllegalArgumentException(
          "train images are " + size(train) + " but test images are " + size(test));
    }
    int classes = Math.max(train.maxLabel(), test.maxLabel()) + 1;
    if (classes > MAX_CLASSES) {
      throw new IllegalArgumentException("labels must be below " + MAX_CLASSES);
    }
    this.name = name;
    this.train = train;
    this.test = test;
    this.numClasses = classes;
  }

  /**
   * Reads the four standard IDX files ({@link StandardFile}, each raw or gzip) from {@code dir}.
   *
   * @throws DatasetException naming the file and the problem if a file is missing or invalid
   */
  public static Dataset read(String name, Path dir) throws DatasetException {
    return read(name, dir, Map.of());
  }

  /**
   * As {@link #read(String, Path)}, also checking the SHA-256 of each file named in {@code sha256}.
   */
  static Dataset read(String name, Path dir, Map<StandardFile, String> sha256)
      throws DatasetException {
    Map<StandardFile, Path> files = locateAll(dir);
    Split train = readSplit(files, StandardFile.TRAIN_IMAGES, StandardFile.TRAIN_LABELS, sha256);
    Split test = readSplit(files, StandardFile.TEST_IMAGES, StandardFile.TEST_LABELS, sha256);
    try {
      return new Dataset(name, train, test);
    } catch (IllegalArgumentException e) {
      throw new DatasetException(dir + ": " + e.getMessage(), e);
    }
  }

  /** The four files in {@code dir}, or an error listing the missing ones. */
  static Map<StandardFile, Path> locateAll(Path dir) throws DatasetException {
    if (!Files.isDirectory(dir)) {
      throw new DatasetException(dir + ": no such folder");
    }
    Map<StandardFile, Path> files = new EnumMap<>(StandardFile.class);
    List<String> missing = new ArrayList<>();
    for (StandardFile file : StandardFile.values()) {
      Optional<Path> path = file.locate(dir);
      if (path.isPresent()) {
        files.put(file, path.get());
      } else {
        missing.add(file.fileName() + "[" + StandardFile.GZIP_SUFFIX + "]");
      }
    }
    if (!missing.isEmpty()) {
      throw new DatasetException(dir + ": missing " + String.join(", ", missing));
    }
    return files;
  }

  private static Split readSplit(
      Map<StandardFile, Path> files,
      StandardFile imagesFile,
      StandardFile labelsFile,
      Map<StandardFile, String> sha256)
      throws DatasetException {
    Path imagesPath = files.get(imagesFile);
    Path labelsPath = files.get(labelsFile);
    Idx.Content images = Idx.read(imagesPath, Idx.Kind.IMAGES, sha256.get(imagesFile));
    Idx.Content labels = Idx.read(labelsPath, Idx.Kind.LABELS, sha256.get(labelsFile));
    int count = images.dims()[0];
    if (labels.dims()[0] != count) {
      throw new DatasetException(
          imagesPath
              + " holds "
              + count
              + " images but "
              + labelsPath
              + " holds "
              + labels.dims()[0]
              + " labels; a split needs one label per image");
    }
    byte[] labelBytes = labels.data();
    for (int i = 0; i < labelBytes.length; i++) {
      if ((labelBytes[i] & 0xFF) >= MAX_CLASSES) {
        throw Idx.problem(
            labelsPath,
            "label " + (labelBytes[i] & 0xFF) + " of sample " + i + " is not below " + MAX_CLASSES);
      }
    }
    return new Split(count, images.dims()[1], images.dims()[2], images.data(), labelBytes);
  }

  private static String size(Split split) {
    return split.rows() + "x" + split.cols();
  }

  public String name() {
    return name;
  }

  public Split train() {
    return train;
  }

  public Split test() {
    return test;
  }

  /** The largest label of either split, plus one. */
  public int numClasses() {
    return numClasses;
  }

  @Override
  public String toString() {
    return name
        + ": "
        + train.count()
        + " train and "
        + test.count()
        + " test images of "
        + size(train)
        + ", "
        + numClasses
        + " classes";
  }
}
