package dev.spela.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.checksum.Crc32;
import dev.spela.protocols.checksum.Sha256;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.LittleEndian;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageValidator;
import dev.spela.protocols.storage.ArrayFlash;
import java.lang.management.ManagementFactory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * A runtime holding a trained model is offered damaged images: load never throws, never allocates,
 * and when it refuses an image the model it holds stays byte-for-byte the same.
 */
class LoadPropertiesTest {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final byte[] CURRENT = FloatModel.kaiming(16, 3, new int[] {8, 4}, 1).toImage();
  private static final byte[] OTHER = FloatModel.kaiming(16, 3, new int[] {8, 4}, 2).toImage();

  private final SpelaRuntime runtime = trainedRuntime();

  /** The model held before the current try's load (tries share this instance). */
  private byte[] before;

  private final ModelImageValidator validator = new ModelImageValidator();

  private static SpelaRuntime trainedRuntime() {
    SpelaRuntime r = SpelaRuntime.forImage(new ArrayFlash(CURRENT), 0, CURRENT.length);
    byte[] x = new byte[16];
    for (int n = 0; n < 30; n++) {
      x[n % 16] = (byte) (40 * n);
      r.train(x, 0, n % 3);
    }
    return r;
  }

  private static byte[] snapshot(SpelaRuntime r) {
    byte[] out = new byte[r.imageSize()];
    r.writeImage(new ArrayFlash(out), 0);
    return out;
  }

  /** Wrapped around each try's image: nothing is allocated near the measurement. */
  private final ArrayFlash region = new ArrayFlash();

  private int loadMeasured(byte[] image, int length) {
    before = snapshot(runtime);
    region.wrap(image, 0, image.length);
    long overhead = THREADS.getCurrentThreadAllocatedBytes();
    overhead = THREADS.getCurrentThreadAllocatedBytes() - overhead;
    long start = THREADS.getCurrentThreadAllocatedBytes();
    int status = runtime.load(region, 0, length);
    assertEquals(
        0, THREADS.getCurrentThreadAllocatedBytes() - start - overhead, "bytes allocated by load");
    return status;
  }

  private void assertOutcome(byte[] image, int length, int status) {
    assertEquals(validator.validate(image, 0, length), status);
    if (status == ImageStatus.OK) {
      assertEquals(ImageStatus.OK, validator.validate(snapshot(runtime), 0, runtime.imageSize()));
    } else {
      assertArrayEquals(before, snapshot(runtime), "refused image changed the model");
    }
  }

  @Property(tries = 300)
  void bitFlipsAreRefusedAndLeaveTheModel(
      @ForAll("positions") int position, @ForAll @IntRange(max = 7) int bit) {
    byte[] image = OTHER.clone();
    image[position] ^= (byte) (1 << bit);
    int status = loadMeasured(image, image.length);
    assertTrue(status < 0);
    assertOutcome(image, image.length, status);
  }

  @Property(tries = 300)
  void resealedHeaderEditsNeverCorruptTheModel(
      @ForAll("headerPositions") int position,
      @ForAll int value,
      @ForAll @IntRange(min = 1, max = 4) int width) {
    byte[] image = OTHER.clone();
    for (int b = 0; b < width && position + b < image.length - 32; b++) {
      image[position + b] = (byte) (value >>> (8 * b));
    }
    reseal(image);
    assertOutcome(image, image.length, loadMeasured(image, image.length));
  }

  @Property(tries = 100)
  void truncatedImagesAreRefused(@ForAll("truncations") int length) {
    int status = loadMeasured(OTHER, length);
    assertTrue(status < 0);
    assertOutcome(OTHER, length, status);
  }

  @Property(tries = 20)
  void aValidImageTooLargeForTheArenaIsRefused(@ForAll @IntRange(min = 9, max = 40) int width) {
    FloatModel bigger = FloatModel.kaiming(16, 3, new int[] {width, 4}, width);
    byte[] image = bigger.toImage();
    assertEquals(ImageStatus.DOES_NOT_FIT, loadMeasured(image, image.length));
    assertArrayEquals(before, snapshot(runtime));
  }

  private static void reseal(byte[] image) {
    int headerLength = LittleEndian.i32(image, ModelImage.OFF_HEADER_LENGTH);
    if (headerLength >= 16 && headerLength <= image.length) {
      Crc32 crc = new Crc32();
      crc.update(image, 0, ModelImage.OFF_HEADER_CRC);
      crc.update(
          image, ModelImage.OFF_HEADER_CRC + 4, headerLength - ModelImage.OFF_HEADER_CRC - 4);
      LittleEndian.put32(image, ModelImage.OFF_HEADER_CRC, crc.value());
    }
    Sha256 sha = new Sha256();
    sha.update(image, 0, image.length - 32);
    sha.finish(image, image.length - 32);
  }

  @Provide
  Arbitrary<Integer> positions() {
    return Arbitraries.integers().between(0, OTHER.length - 1);
  }

  @Provide
  Arbitrary<Integer> headerPositions() {
    return Arbitraries.integers()
        .between(ModelImage.OFF_VERSION, ModelImage.headerLength(2) - 1)
        .filter(p -> p < ModelImage.OFF_HEADER_CRC || p >= ModelImage.OFF_HEADER_CRC + 4);
  }

  @Provide
  Arbitrary<Integer> truncations() {
    return Arbitraries.integers().between(0, OTHER.length - 1);
  }
}
