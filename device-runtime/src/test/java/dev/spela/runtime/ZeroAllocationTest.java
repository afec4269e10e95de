package dev.spela.runtime;

import static dev.spela.subset.AllocationMeter.assertAllocatesNothing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.protocols.subset.InitPhase;
import dev.spela.runtime.kernels.DenseKernels;
import dev.spela.subset.AllocationMeter;
import dev.spela.subset.SubsetAssertions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The runtime's steady state allocates nothing, from its very first call after initialisation:
 * training steps on both weight layouts (input-major, and output-major as 784-128-34's last layer
 * uses), with a frozen layer, with growing weights (halving and renormalisation), with layers at
 * the top exponent; predictions and early exits; writing images; loading images, valid or rejected;
 * moving a model to another image. Images are read in place from an emulated flash (a frozen
 * layer's weights and every prior at every step) and written to another, erased first. Every
 * runtime is built first (the device's initialisation); the first test then measures each first
 * call on its own, the others warm calls. Maven runs this under -Xint, in a JVM of its own, so that
 * no JIT hides an allocation and nothing earlier warmed the code.
 */
@Tag("zero-allocation")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ZeroAllocationTest {

  static {
    // Initialisation, as on the device: the program is loaded (see AllocationMeter).
    AllocationMeter.loadClasses(
        ZeroAllocationTest.class.getClassLoader(),
        Path.of("target", "classes"),
        SubsetAssertions.locationOf(InitPhase.class));
  }

  private static final int WARM_STEPS = 200;
  private static final int SAMPLES = 32;
  private static final int SECTOR = 4096;

  /** Where an image lies in its emulated slot: not at 0, as in a checkpoint area. */
  private static final int SLOT_OFFSET = SECTOR;

  /** An emulated flash of 4 KiB sectors holding {@code image} at {@link #SLOT_OFFSET}. */
  private static ArrayFlash slotWith(byte[] image) {
    ArrayFlash slot = new ArrayFlash(SECTOR * (2 + (image.length + SECTOR - 1) / SECTOR), SECTOR);
    slot.write(SLOT_OFFSET, image, 0, image.length);
    return slot;
  }

  /** A model under test: its runtime and samples, built at initialisation. */
  private record Case(String name, SpelaRuntime runtime, byte[] pixels, int[] labels) {

    static Case of(String name, FloatModel model, long seed) {
      byte[] image = model.toImage();
      SpelaRuntime runtime = SpelaRuntime.forImage(slotWith(image), SLOT_OFFSET, image.length);
      Prototypes data = new Prototypes(model.inputSize, model.classes, seed);
      byte[] pixels = new byte[SAMPLES * model.inputSize];
      int[] labels = new int[SAMPLES];
      for (int n = 0; n < SAMPLES; n++) {
        labels[n] = data.label(n);
        data.sample(labels[n], pixels, n * model.inputSize);
      }
      return new Case(name, runtime, pixels, labels);
    }

    int train(int n) {
      int k = n % SAMPLES;
      return runtime.train(pixels, k * runtime.inputSize(), labels[k]);
    }

    int predict(int n, int layer) {
      return runtime.predict(pixels, (n % SAMPLES) * runtime.inputSize(), layer);
    }

    int predictEarlyExit(int n) {
      return runtime.predictEarlyExit(pixels, (n % SAMPLES) * runtime.inputSize());
    }
  }

  // ---------------------------------------------------------------- initialisation

  private static final Case INPUT_MAJOR =
      Case.of("input-major 64-32-10", FloatModel.kaiming(64, 10, new int[] {32, 10}, 1), 11);
  private static final Case OUTPUT_MAJOR =
      Case.of("128-128-34 (output-major last layer)", mnistShaped(), 12);
  private static final Case FROZEN = Case.of("frozen first layer", frozen(), 13);
  private static final Case GROWING = Case.of("growing weights", growing(), 14);
  private static final Case TOP_EXPONENT = Case.of("top exponent", topExponent(), 15);
  private static final Case SOFTMAX =
      Case.of("softmax loss, input-major", softmax(FloatModel.kaiming(64, 10, new int[] {32, 10}, 4)), 16);
  private static final Case SOFTMAX_OUTPUT_MAJOR =
      Case.of("softmax loss, 128-128-34", softmax(mnistShaped()), 17);
  private static final Case STANDARDISED =
      Case.of("input statistics and a cosine schedule, input-major", scheduled(softmax(FloatModel.kaiming(64, 10, new int[] {32, 10}, 6).withInputStatistics(6))), 18);
  private static final Case STANDARDISED_OUTPUT_MAJOR =
      Case.of("input statistics, output-major first layer 128-16-10", FloatModel.kaiming(128, 10, new int[] {16, 10}, 7).withInputStatistics(7), 19);
  private static final Case STANDARDISED_FROZEN =
      Case.of("input statistics, frozen first layer", frozen().withInputStatistics(8), 20);
  private static final List<Case> CASES =
      List.of(INPUT_MAJOR, OUTPUT_MAJOR, FROZEN, GROWING, TOP_EXPONENT, SOFTMAX, SOFTMAX_OUTPUT_MAJOR,
          STANDARDISED, STANDARDISED_OUTPUT_MAJOR, STANDARDISED_FROZEN);

  private static final byte[] IMAGE = FloatModel.kaiming(64, 10, new int[] {32, 10}, 1).toImage();
  private static final byte[] OTHER_IMAGE =
      FloatModel.kaiming(64, 10, new int[] {32, 10}, 2).toImage();
  private static final byte[] TOO_WIDE =
      FloatModel.kaiming(64, 10, new int[] {33, 10}, 3).toImage();
  private static final byte[] CORRUPT = corrupt(IMAGE);
  private static final ArrayFlash IMAGE_SLOT = slotWith(IMAGE);
  private static final ArrayFlash OTHER_SLOT = slotWith(OTHER_IMAGE);
  private static final ArrayFlash TOO_WIDE_SLOT = slotWith(TOO_WIDE);
  private static final ArrayFlash CORRUPT_SLOT = slotWith(CORRUPT);
  private static final ArrayFlash WRITTEN = new ArrayFlash(IMAGE_SLOT.size(), SECTOR);
  private static final int[][] OVERGROWN = {{DenseKernels.pack(20000, -20000)}};

  private static FloatModel mnistShaped() {
    FloatModel model = FloatModel.kaiming(128, 34, new int[] {128, 34}, 2);
    model.learningRate = 0.05;
    return model;
  }

  /** The model with the softmax loss at temperature 0.05 (1 / T = 20, 5120 in Q8). */
  private static FloatModel softmax(FloatModel model) {
    model.inverseTemperatureQ8 = 5120;
    return model;
  }

  /** The model with the cosine schedule over 150 steps: the warm steps run past its end too. */
  private static FloatModel scheduled(FloatModel model) {
    model.cosineSteps = 150;
    return model;
  }

  private static FloatModel frozen() {
    FloatModel model = FloatModel.kaiming(64, 10, new int[] {32, 10}, 3);
    model.frozen[0] = true;
    return model;
  }

  /** Tiny weights: the first updates are far larger, so the layers halve and renormalise. */
  private static FloatModel growing() {
    FloatModel model = FloatModel.kaiming(64, 10, new int[] {32, 10}, 4);
    model.learningRate = 0.1;
    scale(model, 0.001);
    return model;
  }

  /**
   * Weights at the top exponent (100): the update code's top-exponent path runs on every step.
   * There an update is so far below one unit of a weight that it is dropped (the shrink loop and
   * the clamp in renormalisation cannot be reached from a valid image: an update scales as 2^(-2
   * exponent)); the first-calls test measures the clamp kernel on its own.
   */
  private static FloatModel topExponent() {
    FloatModel model = FloatModel.kaiming(64, 10, new int[] {32, 10}, 5);
    model.learningRate = 1.0;
    for (double[] w : model.w) {
      double max = 0;
      for (double x : w) {
        max = Math.max(max, Math.abs(x));
      }
      scale(w, 0.9 * Math.pow(2, ModelImage.MAX_WEIGHT_EXPONENT + 14) / max);
    }
    return model;
  }

  private static void scale(FloatModel model, double factor) {
    for (double[] w : model.w) {
      scale(w, factor);
    }
  }

  private static void scale(double[] w, double factor) {
    for (int i = 0; i < w.length; i++) {
      w[i] *= factor;
    }
  }

  private static byte[] corrupt(byte[] image) {
    byte[] copy = image.clone();
    copy[copy.length / 2] ^= 1;
    return copy;
  }

  /** What the measured calls return, checked after each measurement. */
  private final int[] status = new int[1];

  // ---------------------------------------------------------------- steady state

  @Test
  @Order(1)
  void theFirstCallsAfterInitialisationAllocateNothing() {
    assertTrue(!OUTPUT_MAJOR.runtime().capacity().outputMajor(0));
    assertTrue(OUTPUT_MAJOR.runtime().capacity().outputMajor(1), "784-128-34's last layer shape");
    assertTrue(!INPUT_MAJOR.runtime().capacity().outputMajor(1));
    assertTrue(STANDARDISED_OUTPUT_MAJOR.runtime().capacity().outputMajor(0));
    assertEquals(ModelImage.MAX_WEIGHT_EXPONENT, TOP_EXPONENT.runtime().weightExponent(0));
    int growingExponent = GROWING.runtime().weightExponent(0);
    for (Case c : CASES) {
      assertAllocatesNothing(c.name() + ": first training step", () -> status[0] = c.train(0));
      assertEquals(RuntimeStatus.OK, status[0], c.name());
    }
    assertTrue(
        GROWING.runtime().weightExponent(0) > growingExponent,
        "the growing layer's first step halved it: exponent "
            + growingExponent
            + " -> "
            + GROWING.runtime().weightExponent(0));
    for (Case c : CASES) {
      SpelaRuntime runtime = c.runtime();
      assertAllocatesNothing(
          c.name() + ": first prediction",
          () -> status[0] = c.predict(1, runtime.layers() - 1) | c.predict(2, 0));
      assertTrue(status[0] >= 0, c.name());
      assertAllocatesNothing(
          c.name() + ": first early exit", () -> status[0] = c.predictEarlyExit(3));
      assertTrue(status[0] >= 0, c.name());
      assertAllocatesNothing(c.name() + ": first telemetry reads", () -> telemetry(runtime));
    }
    SpelaRuntime standardised = STANDARDISED.runtime();
    assertAllocatesNothing("first image with input statistics written", () -> status[0] = write(standardised));
    assertEquals(standardised.imageSize(), status[0]);
    assertAllocatesNothing(
        "first move to the written image with input statistics",
        () -> status[0] = standardised.rebase(WRITTEN, SLOT_OFFSET, standardised.imageSize()));
    assertEquals(ImageStatus.OK, status[0]);
    SpelaRuntime runtime = INPUT_MAJOR.runtime();
    assertAllocatesNothing("first image written", () -> status[0] = write(runtime));
    assertEquals(IMAGE.length, status[0]);
    assertAllocatesNothing(
        "first move to the written image",
        () -> status[0] = runtime.rebase(WRITTEN, SLOT_OFFSET, IMAGE.length));
    assertEquals(ImageStatus.OK, status[0]);
    assertAllocatesNothing("first rejected loads", () -> rejectedLoads(runtime));
    assertAllocatesNothing(
        "first valid load",
        () -> status[0] = runtime.load(OTHER_SLOT, SLOT_OFFSET, OTHER_IMAGE.length));
    assertEquals(ImageStatus.OK, status[0]);
    assertAllocatesNothing(
        "the clamp of renormalisation at the top exponent",
        () -> DenseKernels.clamp(OVERGROWN, 0, 1, 1, ModelImage.MAX_ABS_WEIGHT));
    assertEquals(ModelImage.MAX_ABS_WEIGHT, DenseKernels.maxAbs(OVERGROWN, 0, 1, 1));
  }

  @Test
  @Order(2)
  void warmTrainingStepsAllocateNothing() {
    for (Case c : CASES) {
      assertAllocatesNothing(
          c.name() + ": " + WARM_STEPS + " training steps",
          () -> {
            for (int n = 1; n <= WARM_STEPS; n++) {
              status[0] |= c.train(n);
            }
          });
      assertEquals(RuntimeStatus.OK, status[0], c.name());
    }
    assertEquals(ModelImage.MAX_WEIGHT_EXPONENT, TOP_EXPONENT.runtime().weightExponent(0));
  }

  @Test
  @Order(3)
  void warmPredictionsAndEarlyExitsAllocateNothing() {
    for (Case c : CASES) {
      SpelaRuntime runtime = c.runtime();
      assertAllocatesNothing(
          c.name() + ": predictions and early exits",
          () -> {
            for (int n = 0; n < WARM_STEPS; n++) {
              status[0] |= c.predict(n, n % runtime.layers()) | c.predictEarlyExit(n);
              telemetry(runtime);
            }
          });
      assertTrue(status[0] >= 0, c.name());
    }
  }

  @Test
  @Order(4)
  void warmImageLoadsAndWritesAllocateNothing() {
    SpelaRuntime runtime = INPUT_MAJOR.runtime();
    assertAllocatesNothing(
        "loads, rejected loads and writes",
        () -> {
          for (int n = 0; n < 10; n++) {
            ArrayFlash slot = n % 2 == 0 ? IMAGE_SLOT : OTHER_SLOT;
            status[0] |= runtime.load(slot, SLOT_OFFSET, IMAGE.length);
            rejectedLoads(runtime);
            status[0] |= write(runtime) == IMAGE.length ? 0 : -1;
            status[0] |= runtime.rebase(WRITTEN, SLOT_OFFSET, IMAGE.length);
            status[0] |= runtime.rebase(slot, SLOT_OFFSET, IMAGE.length);
          }
        });
    assertEquals(ImageStatus.OK, status[0]);
  }

  /** Writes the model to the emulated flash {@link #WRITTEN}, erased first. */
  private static int write(SpelaRuntime runtime) {
    int erased = WRITTEN.erase(0, WRITTEN.size());
    return erased != 0 ? erased : runtime.writeImage(WRITTEN, SLOT_OFFSET);
  }

  /** Loads refused by the validator and by the runtime's capacity, each checked. */
  private void rejectedLoads(SpelaRuntime runtime) {
    boolean expected =
        runtime.load(CORRUPT_SLOT, SLOT_OFFSET, CORRUPT.length) == ImageStatus.BAD_DIGEST
            && runtime.load(IMAGE_SLOT, SLOT_OFFSET, 10) == ImageStatus.TRUNCATED
            && runtime.load(null, 0, 0) == ImageStatus.BAD_ARGUMENT
            && runtime.load(TOO_WIDE_SLOT, SLOT_OFFSET, TOO_WIDE.length) == ImageStatus.DOES_NOT_FIT
            && runtime.imageLengthAt(WRITTEN, 0) == ImageStatus.BAD_MAGIC;
    status[0] |= expected ? 0 : -1;
  }

  /** What a device reports after a step: every layer's results and weights' state. */
  private void telemetry(SpelaRuntime runtime) {
    long sum = runtime.samplesSeen() + runtime.exitLayer();
    for (int k = 0; k < runtime.layers(); k++) {
      sum +=
          runtime.layerPrediction(k)
              + runtime.layerBestCosine(k)
              + runtime.layerSecondCosine(k)
              + runtime.layerLoss(k)
              + runtime.weightExponent(k)
              + runtime.weightNormQ16(k)
              + (runtime.frozen(k) ? 1 : 0);
    }
    status[0] |= sum == Long.MIN_VALUE ? -1 : 0;
  }
}
