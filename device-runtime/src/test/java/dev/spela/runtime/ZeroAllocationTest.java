package dev.spela.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.image.ImageStatus;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hot paths allocate nothing: measured with the thread's allocated-bytes counter, run by Maven in
 * its own Surefire execution under -Xint so that JIT escape analysis cannot hide allocations.
 */
@Tag("zero-allocation")
class ZeroAllocationTest {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final int STEPS = 10_000;
  private static final int SAMPLES = 64;

  private static byte[] image;
  private static byte[] otherImage;
  private static byte[] pixels;
  private static int[] labels;

  @BeforeAll
  static void data() {
    assertTrue(
        THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled());
    image = FloatModel.kaiming(64, 10, new int[] {32, 10}, 1).toImage();
    otherImage = FloatModel.kaiming(64, 10, new int[] {32, 10}, 2).toImage();
    Prototypes data = new Prototypes(64, 10, 3);
    pixels = new byte[SAMPLES * 64];
    labels = new int[SAMPLES];
    for (int n = 0; n < SAMPLES; n++) {
      labels[n] = data.label(n);
      data.sample(labels[n], pixels, n * 64);
    }
  }

  private static long allocated() {
    return THREADS.getCurrentThreadAllocatedBytes();
  }

  /** The counter's own cost, subtracted from every measurement. */
  private static long overhead() {
    long a = allocated();
    long b = allocated();
    return b - a;
  }

  @Test
  void trainingStepsAllocateNothing() {
    SpelaRuntime runtime = SpelaRuntime.forImage(image, 0, image.length);
    int status = 0;
    for (int n = 0; n < 200; n++) {
      status |= runtime.train(pixels, (n % SAMPLES) * 64, labels[n % SAMPLES]);
    }
    long overhead = overhead();
    long before = allocated();
    for (int n = 0; n < STEPS; n++) {
      status |= runtime.train(pixels, (n % SAMPLES) * 64, labels[n % SAMPLES]);
    }
    long bytes = allocated() - before - overhead;
    assertEquals(RuntimeStatus.OK, status);
    assertEquals(0, bytes, "bytes allocated by " + STEPS + " training steps");
    assertEquals(STEPS + 200, runtime.samplesSeen());
  }

  @Test
  void predictionsAllocateNothing() {
    SpelaRuntime runtime = SpelaRuntime.forImage(image, 0, image.length);
    int sum = 0;
    for (int n = 0; n < 200; n++) {
      sum += runtime.predict(pixels, (n % SAMPLES) * 64, 1) + runtime.predictEarlyExit(pixels, 0);
    }
    long overhead = overhead();
    long before = allocated();
    for (int n = 0; n < STEPS; n++) {
      sum +=
          n % 2 == 0
              ? runtime.predict(pixels, (n % SAMPLES) * 64, n % 4 / 2)
              : runtime.predictEarlyExit(pixels, (n % SAMPLES) * 64);
      sum += runtime.layerBestCosine(0) + runtime.layerPrediction(1);
    }
    long bytes = allocated() - before - overhead;
    assertTrue(sum != Integer.MIN_VALUE);
    assertEquals(0, bytes, "bytes allocated by " + STEPS + " predictions");
  }

  @Test
  void validatingLoadingAndWritingImagesAllocateNothing() {
    SpelaRuntime runtime = SpelaRuntime.forImage(image, 0, image.length);
    byte[] out = new byte[runtime.imageSize()];
    byte[] corrupt = image.clone();
    corrupt[corrupt.length / 2] ^= 1;
    int status = 0;
    for (int n = 0; n < 3; n++) {
      status |=
          runtime.load(otherImage, 0, otherImage.length) | runtime.load(image, 0, image.length);
      runtime.writeImage(out, 0);
    }
    long overhead = overhead();
    long before = allocated();
    for (int n = 0; n < 20; n++) {
      status |= runtime.load(n % 2 == 0 ? otherImage : image, 0, image.length);
      status |= runtime.load(corrupt, 0, corrupt.length) == ImageStatus.BAD_DIGEST ? 0 : 1;
      status |= runtime.writeImage(out, 0) == out.length ? 0 : 1;
      status |= runtime.weightNormQ16(0) > 0 ? 0 : 1;
    }
    long bytes = allocated() - before - overhead;
    assertEquals(0, status);
    assertEquals(0, bytes, "bytes allocated by 20 x (load, rejected load, writeImage)");
  }
}
