package dev.spela.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetReadTest {
  @TempDir Path dir;

  @Test
  void readsTheFixtureWithRawAndGzipFiles() throws Exception {
    Dataset dataset = Dataset.read("tiny", Fixture.dir());

    assertEquals("tiny", dataset.name());
    assertEquals(10, dataset.numClasses());
    assertSplit(dataset.train(), Fixture.TRAIN, true);
    assertSplit(dataset.test(), Fixture.TEST, false);
  }

  private static void assertSplit(Split split, int count, boolean train) {
    assertEquals(count, split.count());
    assertEquals(Fixture.SIDE, split.rows());
    assertEquals(Fixture.SIDE, split.cols());
    assertEquals(Fixture.SIDE * Fixture.SIDE, split.pixelsPerSample());
    byte[] pixels = split.pixels();
    int i = 0;
    for (int s = 0; s < count; s++) {
      assertEquals(train ? Fixture.trainLabel(s) : Fixture.testLabel(s), split.label(s));
      for (int r = 0; r < Fixture.SIDE; r++) {
        for (int c = 0; c < Fixture.SIDE; c++) {
          assertEquals(
              Fixture.pixel(s, r, c), pixels[i++] & 0xFF, "pixel " + s + "," + r + "," + c);
        }
      }
    }
  }

  @Test
  void tellsGzipFromRawByContentNotName() throws Exception {
    Fixture.copyTo(dir);
    byte[] gz = Files.readAllBytes(dir.resolve("train-images-idx3-ubyte.gz"));
    byte[] raw = Files.readAllBytes(dir.resolve("t10k-images-idx3-ubyte"));
    // Swap the names: a gzip file without .gz, a raw file with it.
    Fixture.replace(dir, StandardFile.TRAIN_IMAGES, gz);
    Fixture.replace(dir, StandardFile.TEST_IMAGES, "t10k-images-idx3-ubyte.gz", raw);

    Dataset swapped = Dataset.read("tiny", dir);

    Dataset original = Dataset.read("tiny", Fixture.dir());
    assertArrayEquals(original.train().pixels(), swapped.train().pixels());
    assertArrayEquals(original.test().pixels(), swapped.test().pixels());
  }

  @Test
  void scalesPixelsToTheUnitInterval() throws Exception {
    Split train = Dataset.read("tiny", Fixture.dir()).train();
    int size = train.pixelsPerSample();
    float[] all = train.toFloats();
    float[] one = new float[size + 3];

    for (int s = 0; s < train.count(); s++) {
      train.copyPixels(s, one, 3);
      assertArrayEquals(
          Arrays.copyOfRange(all, s * size, (s + 1) * size), Arrays.copyOfRange(one, 3, size + 3));
    }
    int white = indexOfPixel(train, 255);
    int black = indexOfPixel(train, 0);
    assertEquals(1f, all[white]);
    assertEquals(0f, all[black]);
    assertEquals(Fixture.pixel(0, 0, 1) / 255f, all[1]);
    assertThrows(IndexOutOfBoundsException.class, () -> train.copyPixels(train.count(), one, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> train.copyPixels(0, one, 4));
  }

  private static int indexOfPixel(Split split, int value) {
    byte[] pixels = split.pixels();
    for (int i = 0; i < pixels.length; i++) {
      if ((pixels[i] & 0xFF) == value) {
        return i;
      }
    }
    throw new AssertionError("no pixel " + value);
  }

  /** Reads {@code dir} expecting a failure whose message names {@code file} and {@code problem}. */
  private void assertFails(Path file, String problem) {
    DatasetException e = assertThrows(DatasetException.class, () -> Dataset.read("tiny", dir));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  @Test
  void rejectsABadMagicNumber() throws Exception {
    Fixture.copyTo(dir);
    byte[] bytes = Fixture.labels(Fixture.TRAIN);
    bytes[0] = 0x12;
    Path file = Fixture.replace(dir, StandardFile.TRAIN_LABELS, bytes);
    assertFails(file, "not an IDX file (magic number 0x12000801, expected 0x00000801");
  }

  @Test
  void rejectsAnElementTypeOtherThanUnsignedByte() throws Exception {
    Fixture.copyTo(dir);
    byte[] bytes = Fixture.images(Fixture.TEST, Fixture.SIDE);
    bytes[2] = 0x0D; // float
    Path file = Fixture.replace(dir, StandardFile.TEST_IMAGES, bytes);
    assertFails(file, "IDX element type 0x0D is not supported, only 0x08 (unsigned byte)");
  }

  @Test
  void rejectsALabelFileWhereImagesBelong() throws Exception {
    Fixture.copyTo(dir);
    Path file = Fixture.replace(dir, StandardFile.TRAIN_IMAGES, Fixture.labels(Fixture.TRAIN));
    assertFails(file, "has 1 dimension(s) (magic number 0x00000801), expected 3 for an image file");
  }

  @Test
  void rejectsAZeroDimension() throws Exception {
    Fixture.copyTo(dir);
    byte[] bytes = Fixture.idx(0x00000803, new int[] {Fixture.TEST, 0, Fixture.SIDE}, new byte[0]);
    Path file = Fixture.replace(dir, StandardFile.TEST_IMAGES, bytes);
    assertFails(file, "its header declares 0 rows; every dimension must be at least 1");
  }

  @Test
  void rejectsTrainAndTestImagesOfDifferentSizes() throws Exception {
    Fixture.copyTo(dir);
    Fixture.replace(dir, StandardFile.TEST_IMAGES, Fixture.images(Fixture.TEST, 32));
    assertFails(dir, "train images are 28x28 but test images are 32x32");
  }

  @Test
  void rejectsImageAndLabelCountsThatDiffer() throws Exception {
    Fixture.copyTo(dir);
    Path labels =
        Fixture.replace(dir, StandardFile.TRAIN_LABELS, Fixture.labels(Fixture.TRAIN - 1));
    Path images = dir.resolve("train-images-idx3-ubyte.gz");
    assertFails(
        images,
        "holds 12 images but " + labels + " holds 11 labels; a split needs one label per image");
  }

  @Test
  void rejectsATruncatedRawFile() throws Exception {
    Fixture.copyTo(dir);
    byte[] full = Fixture.images(Fixture.TEST, Fixture.SIDE);
    Path file =
        Fixture.replace(dir, StandardFile.TEST_IMAGES, Arrays.copyOf(full, full.length - 100));
    assertFails(
        file,
        "truncated: its header declares 6 images of 28x28 (4704 data bytes) but only 4604 follow");
  }

  @Test
  void rejectsATruncatedGzipFileEitherWay() throws Exception {
    Fixture.copyTo(dir);
    byte[] full = Fixture.images(Fixture.TEST, Fixture.SIDE);
    // Complete gzip stream of incomplete content...
    Path file =
        Fixture.replace(
            dir,
            StandardFile.TEST_IMAGES,
            "t10k-images-idx3-ubyte.gz",
            Fixture.gzip(Arrays.copyOf(full, full.length - 1)));
    assertFails(file, "but only 4703 follow");
    // ...and a gzip stream cut short.
    byte[] gz = Fixture.gzip(full);
    Files.write(file, Arrays.copyOf(gz, gz.length / 2));
    assertFails(file, "truncated: the gzip stream ends early");
  }

  @Test
  void rejectsTrailingData() throws Exception {
    Fixture.copyTo(dir);
    byte[] full = Fixture.labels(Fixture.TEST);
    Path file =
        Fixture.replace(
            dir,
            StandardFile.TEST_LABELS,
            "t10k-labels-idx1-ubyte.gz",
            Fixture.gzip(Arrays.copyOf(full, full.length + 7)));
    assertFails(file, "7 bytes of trailing data after the 6 data bytes its header declares");
  }

  @Test
  void rejectsAnEmptyFile() throws Exception {
    Fixture.copyTo(dir);
    Path file = Fixture.replace(dir, StandardFile.TRAIN_LABELS, new byte[0]);
    assertFails(file, "empty file");
  }

  @Test
  void rejectsLabel255() throws Exception {
    Fixture.copyTo(dir);
    byte[] bytes = Fixture.labels(Fixture.TEST);
    bytes[bytes.length - 2] = (byte) 255;
    Path file = Fixture.replace(dir, StandardFile.TEST_LABELS, bytes);
    assertFails(file, "label 255 of sample 4 is not below 255");
  }

  @Test
  void listsEveryMissingFile() throws IOException {
    Fixture.copyTo(dir);
    Files.delete(dir.resolve("train-labels-idx1-ubyte"));
    Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
    assertFails(dir, "missing train-labels-idx1-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]");
  }

  @Test
  void checksTheUncompressedContentsDigest() throws Exception {
    assertEquals(10, Dataset.read("tiny", Fixture.dir(), Fixture.sha256()).numClasses());

    var wrong = new java.util.EnumMap<>(Fixture.sha256());
    wrong.put(StandardFile.TEST_LABELS, "0".repeat(64));
    DatasetException e =
        assertThrows(DatasetException.class, () -> Dataset.read("tiny", Fixture.dir(), wrong));
    assertEquals(
        Fixture.dir().resolve("t10k-labels-idx1-ubyte.gz")
            + ": SHA-256 of the uncompressed content is "
            + Fixture.sha256().get(StandardFile.TEST_LABELS)
            + ", expected "
            + "0".repeat(64),
        e.getMessage());
  }

  @Test
  void splitAndDatasetRejectInconsistentArrays() {
    assertThrows(
        IllegalArgumentException.class, () -> new Split(2, 2, 2, new byte[7], new byte[2]));
    assertThrows(
        IllegalArgumentException.class, () -> new Split(2, 2, 2, new byte[8], new byte[3]));
    assertThrows(
        IllegalArgumentException.class, () -> new Split(0, 2, 2, new byte[0], new byte[0]));
    Split train = new Split(1, 2, 2, new byte[4], new byte[] {3});
    assertEquals(4, new Dataset("d", train, train).numClasses());
    Split wide = new Split(1, 2, 3, new byte[6], new byte[1]);
    assertThrows(IllegalArgumentException.class, () -> new Dataset("d", train, wide));
  }
}
