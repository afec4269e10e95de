package dev.spela.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.storage.ArrayFlash;
import org.junit.jupiter.api.Test;

class SpelaRuntimeTest {

  /**
   * Layer 0 is input-major, layer 1 (64 input pairs, 16 outputs) output-major: both layouts run.
   */
  private static final int[] WIDTHS = {128, 16};

  private static FloatModel model(long seed) {
    return FloatModel.kaiming(64, 4, WIDTHS, seed);
  }

  @Test
  void learnsASeparableProblemAsWellAsFloatAndItsLossFalls() {
    byte[] image = model(3).toImage();
    SpelaRuntime runtime = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    assertNotNull(runtime);
    FloatModel reference = FloatModel.fromImage(image);
    Prototypes data = new Prototypes(64, 4, 2);
    byte[] x = new byte[64];
    long lossEarly = 0;
    long lossLate = 0;
    for (int n = 0; n < 1200; n++) {
      int label = data.label(n);
      data.sample(label, x, 0);
      assertEquals(RuntimeStatus.OK, runtime.train(x, 0, label));
      reference.step(x, label);
      if (n < 100) {
        lossEarly += runtime.layerLoss(1);
      } else if (n >= 1100) {
        lossLate += runtime.layerLoss(1);
      }
    }
    // mean Q15 loss -cos(h, v_label) must fall by at least 0.2
    assertTrue(
        lossLate < lossEarly - 100 * 6554, "loss " + lossEarly / 100 + " -> " + lossLate / 100);
    int[] correct = new int[2];
    int[] floatCorrect = new int[2];
    for (int n = 0; n < 400; n++) {
      int label = data.label(n);
      data.sample(label, x, 0);
      double[][] h = reference.step(x, -1);
      for (int k = 0; k < 2; k++) {
        correct[k] += runtime.predict(x, 0, k) == label ? 1 : 0;
        floatCorrect[k] += reference.predict(h[k], k) == label ? 1 : 0;
      }
    }
    assertTrue(
        correct[0] >= 396 && correct[1] >= 396,
        "correct of 400: " + correct[0] + ", " + correct[1]);
    assertTrue(
        Math.abs(correct[1] - floatCorrect[1]) <= 4,
        "fixed " + correct[1] + " float " + floatCorrect[1]);
    assertEquals(1200, runtime.samplesSeen());
  }

  @Test
  void oneStepMatchesTheFloatAlgorithm() {
    oneStepMatchesTheFloatAlgorithm(model(3));
  }

  /** Inputs of either sign, from the image's statistics: the first layer's signed path. */
  @Test
  void oneStepWithInputStatisticsMatchesTheFloatAlgorithm() {
    oneStepMatchesTheFloatAlgorithm(model(3).withInputStatistics(21));
  }

  private static void oneStepMatchesTheFloatAlgorithm(FloatModel initial) {
    initial.rounding = ModelImage.ROUNDING_NEAREST;
    byte[] image = initial.toImage();
    SpelaRuntime runtime = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    assertTrue(
        !runtime.model().outputMajor(0) && runtime.model().outputMajor(1), "both weight layouts");
    FloatModel reference = FloatModel.fromImage(image);
    FloatModel before = FloatModel.fromImage(image);
    Prototypes data = new Prototypes(64, 4, 4);
    byte[] x = new byte[64];
    data.sample(2, x, 0);

    double[][] h = reference.step(x, 2);
    assertEquals(RuntimeStatus.OK, runtime.train(x, 0, 2));
    byte[] trained = new byte[runtime.imageSize()];
    runtime.writeImage(new ArrayFlash(trained), 0);
    FloatModel fixed = FloatModel.fromImage(trained);

    for (int k = 0; k < 2; k++) {
      // Each updated weight is within half an LSB (nearest rounding) plus 1% of the largest update.
      double lsb = Math.pow(2, runtime.weightExponent(k));
      double maxUpdate = 0;
      for (int i = 0; i < before.w[k].length; i++) {
        maxUpdate = Math.max(maxUpdate, Math.abs(reference.w[k][i] - before.w[k][i]));
      }
      assertTrue(maxUpdate > 4 * lsb, "updates of several LSB exercise the coefficients");
      for (int i = 0; i < before.w[k].length; i++) {
        double dRef = reference.w[k][i] - before.w[k][i];
        double dFix = fixed.w[k][i] - before.w[k][i];
        assertEquals(dRef, dFix, 0.5 * lsb + 0.01 * maxUpdate, "layer " + k + " weight " + i);
      }
      double berr = 0;
      double bref = 0;
      for (int j = 0; j < WIDTHS[k]; j++) {
        double dRef = reference.b[k][j] - before.b[k][j];
        double dFix = fixed.b[k][j] - before.b[k][j];
        berr += (dFix - dRef) * (dFix - dRef);
        bref += dRef * dRef;
      }
      assertTrue(
          Math.sqrt(berr / bref) < 0.01,
          "layer " + k + " relative bias error " + Math.sqrt(berr / bref));
      // prediction and cosine agree with the float forward pass before the update
      assertEquals(before.predict(h[k], k), runtime.layerPrediction(k));
      double n = FloatModel.norm(h[k]);
      double cos = 0;
      for (int j = 0; j < WIDTHS[k]; j++) {
        cos += h[k][j] / n * before.v[k][2 * WIDTHS[k] + j];
      }
      assertEquals(-cos, runtime.layerLoss(k) / 32768.0, 2e-3);
    }
  }

  @Test
  void weightExponentFollowsGrowingWeights() {
    // Tiny initial weights make n = |h| tiny, so the first updates are far larger than the weights.
    FloatModel initial = model(5);
    initial.learningRate = 0.1;
    for (double[] w : initial.w) {
      for (int i = 0; i < w.length; i++) {
        w[i] *= 0.001;
      }
    }
    byte[] image = initial.toImage();
    SpelaRuntime runtime = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    FloatModel reference = FloatModel.fromImage(image);
    int exponent = runtime.weightExponent(0);
    long norm = runtime.weightNormQ16(0);
    Prototypes data = new Prototypes(64, 4, 6);
    byte[] x = new byte[64];
    byte[] out = new byte[runtime.imageSize()];
    dev.spela.protocols.image.ModelImageValidator validator =
        new dev.spela.protocols.image.ModelImageValidator();
    for (int n = 0; n < 300; n++) {
      data.sample(data.label(n), x, 0);
      runtime.train(x, 0, data.label(n));
      reference.step(x, data.label(n));
      // every written-back image is valid, so |q| <= 2^14 held and exponents stayed in range
      runtime.writeImage(new ArrayFlash(out), 0);
      assertEquals(ImageStatus.OK, validator.validate(out, 0, out.length));
    }
    assertTrue(
        runtime.weightExponent(0) >= exponent + 10,
        "exponent " + exponent + " -> " + runtime.weightExponent(0));
    assertTrue(
        runtime.weightNormQ16(0) > 1000 * norm, "norm " + norm + " -> " + runtime.weightNormQ16(0));
    double fixedNorm = FloatModel.norm(FloatModel.fromImage(out).w[0]);
    assertEquals(fixedNorm, runtime.weightNormQ16(0) / 65536.0, 1e-4 * fixedNorm);
    // the trajectory differs from float only where a unit's z was within rounding of 0
    double floatNorm = FloatModel.norm(reference.w[0]);
    assertEquals(floatNorm, fixedNorm, 0.2 * floatNorm);
  }

  @Test
  void writeImageRoundTripsAndResumingIsBitIdentical() {
    byte[] image = model(7).toImage();
    SpelaRuntime runtime = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    byte[] written = new byte[runtime.imageSize() + 10];
    assertEquals(image.length, runtime.writeImage(new ArrayFlash(written), 10));
    assertArrayEquals(image, java.util.Arrays.copyOfRange(written, 10, written.length));

    Prototypes data = new Prototypes(64, 4, 8);
    byte[][] samples = new byte[100][64];
    for (int n = 0; n < 100; n++) {
      data.sample(data.label(n), samples[n], 0);
    }
    SpelaRuntime straight = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    SpelaRuntime resumed = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    for (int n = 0; n < 100; n++) {
      straight.train(samples[n], 0, data.label(n));
      if (n < 50) {
        resumed.train(samples[n], 0, data.label(n));
      }
    }
    byte[] checkpoint = new byte[resumed.imageSize()];
    resumed.writeImage(new ArrayFlash(checkpoint), 0);
    SpelaRuntime fresh = new SpelaRuntime(resumed.capacity());
    assertEquals(ImageStatus.OK, fresh.load(new ArrayFlash(checkpoint), 0, checkpoint.length));
    assertEquals(50, fresh.samplesSeen());
    for (int n = 50; n < 100; n++) {
      fresh.train(samples[n], 0, data.label(n));
    }
    byte[] a = new byte[straight.imageSize()];
    byte[] b = new byte[fresh.imageSize()];
    straight.writeImage(new ArrayFlash(a), 0);
    fresh.writeImage(new ArrayFlash(b), 0);
    assertArrayEquals(a, b);
    assertTrue(!java.util.Arrays.equals(a, image));
  }

  @Test
  void updatingOnlyTheLiveOutputsWritesTheSameImage() {
    for (FloatModel initial : new FloatModel[] {model(27), model(29).withInputStatistics(16)}) {
      byte[] image = initial.toImage();
      Prototypes data = new Prototypes(64, 4, 29);
      byte[] sample = new byte[64];
      SpelaRuntime dense = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
      SpelaRuntime live = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
      live.updateLiveOutputsOnly();
      for (int n = 0; n < 100; n++) {
        data.sample(data.label(n), sample, 0);
        assertEquals(RuntimeStatus.OK, dense.train(sample, 0, data.label(n)));
        assertEquals(RuntimeStatus.OK, live.train(sample, 0, data.label(n)));
      }
      byte[] a = new byte[dense.imageSize()];
      byte[] b = new byte[live.imageSize()];
      dense.writeImage(new ArrayFlash(a), 0);
      live.writeImage(new ArrayFlash(b), 0);
      assertArrayEquals(a, b);
      assertTrue(!java.util.Arrays.equals(a, image));
    }
  }

  @Test
  void inputStatisticsTravelWithTheImageAndTrainAsWellAsFloat() {
    FloatModel initial = model(15).withInputStatistics(16);
    byte[] image = initial.toImage();
    SpelaRuntime runtime = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    assertNotNull(runtime);
    byte[] written = new byte[runtime.imageSize()];
    assertEquals(image.length, written.length);
    assertEquals(image.length, runtime.writeImage(new ArrayFlash(written), 0));
    assertArrayEquals(image, written);
    FloatModel reference = FloatModel.fromImage(image);
    Prototypes data = new Prototypes(64, 4, 17);
    byte[] x = new byte[64];
    for (int n = 0; n < 600; n++) {
      data.sample(data.label(n), x, 0);
      assertEquals(RuntimeStatus.OK, runtime.train(x, 0, data.label(n)));
      reference.step(x, data.label(n));
    }
    int correct = 0;
    int floatCorrect = 0;
    for (int n = 0; n < 400; n++) {
      data.sample(data.label(n), x, 0);
      correct += runtime.predict(x, 0, 1) == data.label(n) ? 1 : 0;
      floatCorrect += reference.predict(reference.step(x, -1)[1], 1) == data.label(n) ? 1 : 0;
    }
    assertTrue(correct >= 390 && Math.abs(correct - floatCorrect) <= 4, "fixed " + correct + " float " + floatCorrect);
    // The written-back image keeps the statistics, and a checkpoint of it is where the model can move.
    runtime.writeImage(new ArrayFlash(written), 0);
    assertEquals(ImageStatus.OK, new dev.spela.protocols.image.ModelImageValidator().validate(written, 0, written.length));
    assertArrayEquals(initial.inputScale, FloatModel.fromImage(written).inputScale);
    assertEquals(ImageStatus.OK, runtime.rebase(new ArrayFlash(written), 0, written.length));
    byte[] plain = model(15).toImage();
    assertEquals(RuntimeStatus.DIFFERENT_IMAGE, runtime.rebase(new ArrayFlash(plain), 0, plain.length));
  }

  @Test
  void theCombinedPredictionSumsTheLayersCosinesAndAnswersWhenTheImageSaysSo() {
    FloatModel initial = model(19);
    initial.flags = ModelImage.FLAG_COMBINED_PREDICTION;
    byte[] image = initial.toImage();
    SpelaRuntime runtime = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    FloatModel reference = FloatModel.fromImage(image);
    Prototypes data = new Prototypes(64, 4, 20);
    byte[] x = new byte[64];
    int agree = 0;
    int differFromLayer1 = 0;
    for (int n = 0; n < 200; n++) {
      data.sample(data.label(n), x, 0);
      int answer = runtime.predict(x, 0, 1);
      assertEquals(runtime.layerCombinedPrediction(1), answer);
      assertEquals(runtime.layerPrediction(0), runtime.layerCombinedPrediction(0));
      differFromLayer1 += answer != runtime.layerPrediction(1) ? 1 : 0;
      double[][] h = reference.step(x, -1);
      int best = 0;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < 4; c++) {
        double score = reference.cosine(h[0], 0, c) + reference.cosine(h[1], 1, c);
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
      agree += best == answer ? 1 : 0;
    }
    // Untrained, the layers disagree often, so the sum is a different answer; float's sum agrees.
    assertTrue(differFromLayer1 >= 10, "combined differs from layer 1 on " + differFromLayer1);
    assertTrue(agree >= 196, "agrees with float's combined prediction on " + agree + " of 200");
    assertEquals(RuntimeStatus.OK, runtime.setEarlyExitMargin(0));
    assertEquals(runtime.layerPrediction(0), runtime.predictEarlyExit(x, 0));
    assertEquals(0, runtime.exitLayer());
    byte[] written = new byte[image.length];
    runtime.writeImage(new ArrayFlash(written), 0);
    assertEquals(ModelImage.FLAG_COMBINED_PREDICTION,
        new dev.spela.protocols.image.ModelImageDecoder().wrap(written, 0, written.length).flags());
  }

  @Test
  void theImagesCosineScheduleDecaysTheRateAndEndsLearningAndCheckpointsResumeIt() {
    FloatModel initial = model(23);
    initial.cosineSteps = 60;
    byte[] image = initial.toImage();
    Prototypes data = new Prototypes(64, 4, 24);
    byte[][] samples = new byte[80][64];
    for (int n = 0; n < 80; n++) {
      data.sample(data.label(n), samples[n], 0);
    }
    SpelaRuntime straight = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    assertEquals(ModelImage.SCHEDULE_COSINE, straight.scheduleKind());
    byte[] atEnd = null;
    for (int n = 0; n < 80; n++) {
      straight.train(samples[n], 0, data.label(n));
      if (n == 59) {
        atEnd = new byte[straight.imageSize()];
        straight.writeImage(new ArrayFlash(atEnd), 0);
      }
    }
    byte[] after = new byte[straight.imageSize()];
    straight.writeImage(new ArrayFlash(after), 0);
    FloatModel end = FloatModel.fromImage(atEnd);
    FloatModel later = FloatModel.fromImage(after);
    assertArrayEquals(end.w[0], later.w[0], "no update once the schedule has ended");
    assertArrayEquals(end.b[1], later.b[1]);
    assertTrue(!java.util.Arrays.equals(FloatModel.fromImage(image).w[0], end.w[0]));
    // A checkpoint at step 30 resumes the schedule where it was.
    SpelaRuntime first = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    for (int n = 0; n < 30; n++) {
      first.train(samples[n], 0, data.label(n));
    }
    byte[] checkpoint = new byte[first.imageSize()];
    first.writeImage(new ArrayFlash(checkpoint), 0);
    SpelaRuntime resumed = SpelaRuntime.forImage(new ArrayFlash(checkpoint), 0, checkpoint.length);
    assertEquals(60, resumed.scheduleSteps());
    for (int n = 30; n < 80; n++) {
      resumed.train(samples[n], 0, data.label(n));
    }
    byte[] resumedImage = new byte[resumed.imageSize()];
    resumed.writeImage(new ArrayFlash(resumedImage), 0);
    assertArrayEquals(after, resumedImage);
  }

  @Test
  void frozenLayersAreNotUpdated() {
    FloatModel m = model(9);
    m.frozen[0] = true;
    byte[] image = m.toImage();
    SpelaRuntime runtime = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    Prototypes data = new Prototypes(64, 4, 10);
    byte[] x = new byte[64];
    for (int n = 0; n < 50; n++) {
      data.sample(data.label(n), x, 0);
      runtime.train(x, 0, data.label(n));
    }
    byte[] out = new byte[runtime.imageSize()];
    runtime.writeImage(new ArrayFlash(out), 0);
    FloatModel before = FloatModel.fromImage(image);
    FloatModel after = FloatModel.fromImage(out);
    assertArrayEquals(before.w[0], after.w[0]);
    assertArrayEquals(before.b[0], after.b[0]);
    assertTrue(!java.util.Arrays.equals(before.w[1], after.w[1]));
    assertEquals(2L * 64 * 128 + runtime.model().priorBytes(), runtime.model().flashBytes());
  }

  @Test
  void earlyExitFollowsTheMargin() {
    byte[] image = model(11).toImage();
    SpelaRuntime runtime = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    byte[] x = new byte[64];
    new Prototypes(64, 4, 12).sample(1, x, 0);
    assertEquals(RuntimeStatus.OK, runtime.setEarlyExitMargin(0));
    int early = runtime.predictEarlyExit(x, 0);
    assertEquals(0, runtime.exitLayer());
    assertEquals(runtime.predict(x, 0, 0), early);
    assertEquals(RuntimeStatus.OK, runtime.setEarlyExitMargin(ModelImage.MAX_EARLY_EXIT_MARGIN));
    int late = runtime.predictEarlyExit(x, 0);
    assertEquals(1, runtime.exitLayer());
    assertEquals(runtime.predict(x, 0, 1), late);
    assertTrue(runtime.layerBestCosine(1) >= runtime.layerSecondCosine(1));
  }

  @Test
  void outOfRangeArgumentsReturnStatusCodes() {
    SpelaRuntime empty = new SpelaRuntime(new MemoryPlan());
    byte[] x = new byte[64];
    assertEquals(RuntimeStatus.NO_MODEL, empty.train(x, 0, 0));
    assertEquals(RuntimeStatus.NO_MODEL, empty.predict(x, 0, 0));
    assertEquals(RuntimeStatus.NO_MODEL, empty.imageSize());
    assertEquals(
        ImageStatus.DOES_NOT_FIT,
        empty.load(new ArrayFlash(model(1).toImage()), 0, model(1).toImage().length));

    byte[] image = model(1).toImage();
    SpelaRuntime runtime = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    assertEquals(RuntimeStatus.BAD_INPUT, runtime.train(null, 0, 0));
    assertEquals(RuntimeStatus.BAD_INPUT, runtime.train(x, 1, 0));
    assertEquals(RuntimeStatus.BAD_INPUT, runtime.predict(x, -1, 0));
    assertEquals(RuntimeStatus.BAD_LABEL, runtime.train(x, 0, 4));
    assertEquals(RuntimeStatus.BAD_LABEL, runtime.train(x, 0, -1));
    assertEquals(RuntimeStatus.BAD_LAYER, runtime.predict(x, 0, 2));
    assertEquals(RuntimeStatus.BAD_PARAMETER, runtime.setLearningRate(0));
    assertEquals(
        RuntimeStatus.BAD_PARAMETER, runtime.setLearningRate(ModelImage.MAX_LEARNING_RATE + 1));
    assertEquals(RuntimeStatus.BAD_PARAMETER, runtime.setEarlyExitMargin(-1));
    assertEquals(RuntimeStatus.BAD_PARAMETER, runtime.setRoundingMode(7));
    assertEquals(
        RuntimeStatus.BUFFER_TOO_SMALL,
        runtime.writeImage(new ArrayFlash(new byte[image.length - 1]), 0));
    assertEquals(RuntimeStatus.BUFFER_TOO_SMALL, runtime.writeImage(null, 0));
    assertEquals(0, runtime.samplesSeen());
    assertEquals(RuntimeStatus.OK, runtime.setLearningRate(1 << 20));
    assertEquals(1 << 20, runtime.learningRate());
    assertEquals("BAD_LABEL", RuntimeStatus.name(RuntimeStatus.BAD_LABEL));
    assertEquals("DOES_NOT_FIT", RuntimeStatus.name(ImageStatus.DOES_NOT_FIT));
  }

  @Test
  void zeroInputGivesZeroOutputsAndNoUpdate() {
    byte[] image = model(13).toImage();
    SpelaRuntime runtime = SpelaRuntime.forImage(new ArrayFlash(image), 0, image.length);
    assertEquals(RuntimeStatus.OK, runtime.train(new byte[64], 0, 3));
    byte[] out = new byte[image.length];
    runtime.writeImage(new ArrayFlash(out), 0);
    assertArrayEquals(FloatModel.fromImage(image).w[0], FloatModel.fromImage(out).w[0]);
    assertEquals(0, runtime.layerLoss(0));
  }
}
