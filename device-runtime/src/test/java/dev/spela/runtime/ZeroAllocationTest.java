package dev.spela.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.storage.ArrayFlash;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hot paths allocate nothing, from the very first call after initialisation: measured with the
 * thread's allocated-bytes counter, run by Maven in its own Surefire execution under -Xint so that
 * JIT escape analysis cannot hide allocations. Every case runs on a model whose first layer is
 * input-major and whose second is output-major (64 input pairs, 16 outputs), once with every layer
 * trainable and once with the first frozen (its weights read from flash at every step); images are
 * read in place from an emulated flash and written back to another.
 */
@Tag("zero-allocation")
class ZeroAllocationTest {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final int STEPS = 2_000;
  private static final int SAMPLES = 64;
  private static final int[] WIDTHS = {128, 16};

  private static byte[] pixels;
  private static int[] labels;

  @BeforeAll
  static void data() {
    assertTrue(
        THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled());
    Prototypes data = new Prototypes(64, 10, 3);
    pixels = new byte[SAMPLES * 64];
    labels = new int[SAMPLES];
    for (int n = 0; n < SAMPLES; n++) {
      labels[n] = data.label(n);
      data.sample(labels[n], pixels, n * 64);
    }
  }

  private static byte[] image(boolean frozenFirst, long seed) {
    FloatModel model = FloatModel.kaiming(64, 10, WIDTHS, seed);
    model.frozen[0] = frozenFirst;
    return model.toImage();
  }

  /** A slot-like flash of 4 KiB sectors holding a model image at offset 4096. */
  private static ArrayFlash slotWith(byte[] image) {
    ArrayFlash slot = new ArrayFlash(4096 * (2 + (image.length + 4095) / 4096), 4096);
    slot.write(4096, image, 0, image.length);
    return slot;
  }

  private static SpelaRuntime runtime(ArrayFlash slot) {
    MemoryPlan plan = new MemoryPlan();
    plan.setShape(64, 10, WIDTHS, 2, 0);
    SpelaRuntime runtime = new SpelaRuntime(plan);
    assertTrue(!plan.outputMajor(0) && plan.outputMajor(1), "both kernel layouts");
    assertEquals(ImageStatus.OK, runtime.load(slot, 4096, length()));
    return runtime;
  }

  /** The images' length (they all have the same shape). */
  private static int length() {
    return image(false, 1).length;
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

  @ParameterizedTest(name = "first layer frozen: {0}")
  @ValueSource(booleans = {false, true})
  void trainingStepsAllocateNothingFromTheFirst(boolean frozenFirst) {
    SpelaRuntime runtime = runtime(slotWith(image(frozenFirst, 1)));
    long overhead = overhead();
    long before = allocated();
    int status = runtime.train(pixels, 0, labels[0]);
    assertEquals(0, allocated() - before - overhead, "bytes allocated by the first step");
    before = allocated();
    for (int n = 1; n < STEPS; n++) {
      status |= runtime.train(pixels, (n % SAMPLES) * 64, labels[n % SAMPLES]);
    }
    long bytes = allocated() - before - overhead;
    assertEquals(RuntimeStatus.OK, status);
    assertEquals(0, bytes, "bytes allocated by " + STEPS + " training steps");
    assertEquals(STEPS, runtime.samplesSeen());
  }

  @ParameterizedTest(name = "first layer frozen: {0}")
  @ValueSource(booleans = {false, true})
  void predictionsAllocateNothingFromTheFirst(boolean frozenFirst) {
    SpelaRuntime runtime = runtime(slotWith(image(frozenFirst, 1)));
    int sum = 0;
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

  @ParameterizedTest(name = "first layer frozen: {0}")
  @ValueSource(booleans = {false, true})
  void loadingWritingAndRebasingAllocateNothingFromTheFirst(boolean frozenFirst) {
    ArrayFlash slot = slotWith(image(frozenFirst, 1));
    ArrayFlash other = slotWith(image(frozenFirst, 2));
    byte[] corrupt = image(frozenFirst, 3);
    corrupt[3000] ^= 1;
    ArrayFlash damaged = slotWith(corrupt);
    ArrayFlash checkpoints = new ArrayFlash(2 * slot.size(), 4096);
    SpelaRuntime runtime = runtime(slot);
    int length = length();
    int half = checkpoints.size() / 2;
    int status = 0;
    long overhead = overhead();
    for (int n = 0; n < 20; n++) {
      long before = allocated();
      status |= runtime.load(n % 2 == 0 ? other : slot, 4096, length);
      status |= runtime.load(damaged, 4096, length) == ImageStatus.BAD_DIGEST ? 0 : 1;
      status |= runtime.train(pixels, 0, labels[0]);
      int at = (n % 2) * half;
      status |= checkpoints.erase(at, half);
      status |= runtime.writeImage(checkpoints, at) == length ? 0 : 1;
      status |= runtime.rebase(checkpoints, at);
      status |= runtime.weightNormQ16(0) > 0 ? 0 : 1;
      status |= runtime.train(pixels, 64, labels[1]);
      long bytes = allocated() - before - overhead;
      assertEquals(0, bytes, "bytes allocated in round " + n);
    }
    assertEquals(0, status);
  }
}
