package dev.spela.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The committed tiny MNIST-style fixture (see make-mnist-tiny.py beside it) and helpers that write
 * IDX files for the tests.
 */
public final class Fixture {
  public static final int TRAIN = 12;
  public static final int TEST = 6;
  public static final int SIDE = 28;

  private Fixture() {}

  /** The fixture folder: two files raw, two gzip, under the standard names. */
  public static Path dir() {
    try {
      return Path.of(Fixture.class.getResource("mnist-tiny").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The fixture's digests, from the committed mnist-tiny.sha256 (sha256sum format). */
  public static Map<StandardFile, String> sha256() {
    Map<StandardFile, String> table = new EnumMap<>(StandardFile.class);
    for (String line : read(dir().resolveSibling("mnist-tiny.sha256")).split("\n")) {
      String[] parts = line.split("\\s+");
      table.put(StandardFile.byFileName(parts[1]).orElseThrow(), parts[0]);
    }
    return table;
  }

  /** The published digests, except that {@code dataset}'s are {@code digests}. */
  public static Map<KnownDataset, Map<StandardFile, String>> table(
      KnownDataset dataset, Map<StandardFile, String> digests) {
    Map<KnownDataset, Map<StandardFile, String>> table =
        new EnumMap<>(DatasetCatalogue.publishedSha256());
    table.put(dataset, digests);
    return table;
  }

  /** The pixel the fixture generator wrote at (sample, row, column). */
  public static int pixel(int sample, int row, int col) {
    return (7 * sample + 3 * row + 5 * col) % 256;
  }

  public static int trainLabel(int sample) {
    return sample % 10;
  }

  public static int testLabel(int sample) {
    return 3 * sample % 10;
  }

  /** Copies the fixture's four files into {@code dir}. */
  public static Path copyTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(dir())) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.copy(file, dir.resolve(file.getFileName()));
      }
    }
    return dir;
  }

  /** An IDX header (magic number, then dimensions) followed by {@code data}. */
  public static byte[] idx(int magic, int[] dims, byte[] data) {
    ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
    buffer.putInt(magic);
    for (int dim : dims) {
      buffer.putInt(dim);
    }
    return buffer.put(data).array();
  }

  /** Valid image file content: {@code count} images of {@code side x side}, all pixels 1. */
  public static byte[] images(int count, int side) {
    byte[] data = new byte[count * side * side];
    java.util.Arrays.fill(data, (byte) 1);
    return idx(0x00000803, new int[] {count, side, side}, data);
  }

  /** Valid label file content: {@code count} labels, all 0. */
  public static byte[] labels(int count) {
    return idx(0x00000801, new int[] {count}, new byte[count]);
  }

  public static byte[] gzip(byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Replaces {@code file} in {@code dir} (either variant) by {@code bytes} under {@code name}. */
  public static Path replace(Path dir, StandardFile file, String name, byte[] bytes)
      throws IOException {
    Files.deleteIfExists(dir.resolve(file.fileName()));
    Files.deleteIfExists(dir.resolve(file.fileName() + StandardFile.GZIP_SUFFIX));
    return Files.write(dir.resolve(name), bytes);
  }

  /** Replaces {@code file} in {@code dir} by raw {@code content} under its standard name. */
  public static Path replace(Path dir, StandardFile file, byte[] content) throws IOException {
    return replace(dir, file, file.fileName(), content);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
