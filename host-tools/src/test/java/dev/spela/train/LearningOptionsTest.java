package dev.spela.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.priors.PriorMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The training levers beyond plain SGD: schedules, preprocessing, augmentation, losses, data cuts, transfer. */
class LearningOptionsTest {

  @Test
  void schedulesDecayWarmUpAndFreezeLayersOutsideTheirEpochs() {
    Schedule step = new Schedule(new float[] {1f, 0.5f}, Schedule.Decay.STEP, 0.1f, 2, 0, null, false);
    LearningRates rates = step.over(10, 6);
    assertEquals(1f, rates.rate(0, 0));
    assertEquals(0.5f, rates.rate(1, 19));
    assertEquals(0.1f, rates.rate(0, 20), 1e-7);
    assertEquals(0.01f, rates.rate(0, 59), 1e-8);

    LearningRates cosine = new Schedule(new float[] {2f}, Schedule.Decay.COSINE, 1f, 1, 1, null, false).over(10, 4);
    assertEquals(0.2f, cosine.rate(0, 0), 1e-6); // warm-up: step 1 of 10
    assertEquals(2f * 0.5 * (1 + Math.cos(Math.PI * 20 / 40)), cosine.rate(0, 20), 1e-6);
    assertTrue(cosine.rate(0, 39) < 0.01f);

    int[][] windows = {{1, 2}, {3, 4}};
    LearningRates layerWise = new Schedule(new float[] {1f}, Schedule.Decay.CONSTANT, 1f, 1, 0, windows, true).over(5, 4);
    assertEquals(1f, layerWise.rate(0, 9));
    assertEquals(0f, layerWise.rate(0, 10));
    assertEquals(0f, layerWise.rate(1, 9));
    assertEquals(1f, layerWise.rate(1, 10));
    assertEquals(-1f, layerWise.stepScale(1, 10, 8), "summed batches are not divided by their size");
    assertEquals(-0.125f, Schedule.constant(1f).over(5, 1).stepScale(0, 0, 8));
  }

  @Test
  void aFrozenLayerKeepsItsWeightsAndTheLaterOnesStillLearn() {
    Samples train = ToyData.blocks(200, 64, 4, 1);
    SpelaNetwork network = ToyData.spela(new int[] {64, 32, 12}, 4, 3);
    float[] first = network.layers()[0].weights().clone();
    float[] second = network.layers()[1].weights().clone();
    Schedule frozenFirst = new Schedule(new float[] {0f, 0.05f}, Schedule.Decay.CONSTANT, 1f, 1, 0, null, false);
    new Trainer(network, train, train, new TrainingOptions(1, frozenFirst, 1, 3, 1, true, null)).run(report -> {});
    assertArrayEquals(first, network.layers()[0].weights());
    assertFalse(java.util.Arrays.equals(second, network.layers()[1].weights()));
  }

  @Test
  void preprocessingCentresAndStandardisesWithTheTrainingStatistics() {
    Samples train = ToyData.blocks(300, 16, 2, 1);
    Preprocessing centre = Preprocessing.fit(Preprocessing.Kind.CENTRE, train);
    Preprocessing standardise = Preprocessing.fit(Preprocessing.Kind.STANDARDISE, train);
    double[] sum = new double[16];
    double[] sumSquares = new double[16];
    float[] x = new float[16];
    int[] active = new int[16];
    for (int s = 0; s < train.count(); s++) {
      standardise.load(train, s, x, active, false);
      for (int i = 0; i < 16; i++) {
        sum[i] += x[i];
        sumSquares[i] += x[i] * x[i];
      }
      centre.load(train, s, x, active, true);
      double norm = 0;
      for (float v : x) {
        norm += v * v;
      }
      assertEquals(1, norm, 1e-5);
    }
    for (int i = 0; i < 16; i++) {
      double mean = sum[i] / train.count();
      double variance = sumSquares[i] / train.count() - mean * mean;
      assertEquals(0, mean, 1e-5);
      // The floor on the deviation keeps the variance just under 1.
      assertTrue(variance > 0.8 && variance < 1, "variance " + variance);
    }
  }

  @Test
  void augmentationShiftsAndMirrorsWithinTheImage() {
    byte[] pixels = new byte[9];
    pixels[4] = 100; // the centre of a 3x3 image
    Samples one = new Samples(pixels, new byte[] {0}, 1, 9, 1);
    Augmentation shift = new Augmentation(3, 1, false);
    SplittableRandom random = new SplittableRandom(1);
    boolean moved = false;
    for (int t = 0; t < 20; t++) {
      byte[] out = shift.apply(one, random).pixels();
      int lit = 0;
      for (byte p : out) {
        lit += p != 0 ? 1 : 0;
      }
      assertEquals(1, lit, "a shift by at most one pixel keeps the centre pixel in a 3x3 image");
      moved |= out[4] == 0;
    }
    assertTrue(moved);
    byte[] row = {1, 2, 3, 4, 5, 6};
    Samples wide = new Samples(row, new byte[] {0}, 1, 6, 1);
    Augmentation flip = new Augmentation(3, 0, true);
    boolean mirrored = false;
    for (int t = 0; t < 10; t++) {
      byte[] out = flip.apply(wide, random).pixels();
      mirrored |= out[0] == 3 && out[2] == 1 && out[3] == 6;
    }
    assertTrue(mirrored);
  }

  @Test
  void everyLossAndActivationLearnsTheBlocks() {
    Samples train = ToyData.blocks(600, 64, 4, 1);
    Samples test = ToyData.blocks(200, 64, 4, 2);
    for (LocalLoss loss : LocalLoss.values()) {
      SpelaSettings settings = new SpelaSettings(new Activation(0.01f), loss, 0.1f, true, true);
      SpelaNetwork network = SpelaNetwork.fresh(new int[] {64, 48, 12}, 4, PriorMethod.BINARY, settings, 3);
      network.preprocessing(Preprocessing.fit(Preprocessing.Kind.CENTRE, train));
      List<EpochReport> reports = new ArrayList<>();
      new Trainer(network, train, test, new TrainingOptions(3, 0.05f, 1, 7, 1)).run(reports::add);
      EpochReport last = reports.get(2);
      assertEquals(1.0, last.layerAccuracy()[0], 0.02, loss + " layer 1");
      assertNotNull(last.combinedAccuracy());
      assertEquals(1.0, last.combinedAccuracy()[1], 0.02, loss + " combined");
    }
  }

  @Test
  void classSubsetsAreRelabelledAndResplitsPartitionTheMergedSamples() {
    Samples train = ToyData.blocks(300, 16, 4, 1);
    Samples test = ToyData.blocks(100, 16, 4, 2);
    Samples upper = SampleSets.onlyClasses(train, 2, 3);
    assertEquals(2, upper.classes());
    int expected = 0;
    for (int s = 0; s < train.count(); s++) {
      expected += train.label(s) >= 2 ? 1 : 0;
    }
    assertEquals(expected, upper.count());
    for (int s = 0; s < upper.count(); s++) {
      assertTrue(upper.label(s) <= 1);
    }
    Samples[] parts = SampleSets.resplit(train, test, 0.1, 4);
    assertEquals(40, parts[0].count());
    assertEquals(360, parts[1].count());
    Samples[] again = SampleSets.resplit(train, test, 0.1, 4);
    assertArrayEquals(parts[0].pixels(), again[0].pixels());
    assertThrows(IllegalArgumentException.class, () -> SampleSets.resplit(train, test, 1.0, 4));
  }

  @Test
  void transferCopiesAFeatureExtractorFromBackpropagation() {
    BackpropNetwork extractor = new BackpropNetwork(new int[] {64, 32, 4}, 4);
    extractor.initialise(5);
    SpelaNetwork head = SpelaNetwork.fresh(new int[] {64, 32, 12}, 2, PriorMethod.RIESZ, SpelaSettings.PAPER, 6);
    Transfer.copyLayers(extractor, head, 1);
    assertArrayEquals(extractor.layers()[0].weights(), head.layers()[0].weights());
    assertEquals(1, head.rawInputLayers());
    assertThrows(IllegalArgumentException.class, () -> Transfer.copyLayers(extractor, head, 2));
  }

  @Test
  void aConvolutionalFrontLearnsWithItsOwnLocalLoss() {
    Samples train = ToyData.blocks(600, 64, 4, 1);
    Samples test = ToyData.blocks(200, 64, 4, 2);
    SpelaSettings settings = new SpelaSettings(Activation.RELU, LocalLoss.SOFTMAX, 0.1f, true, false);
    float[] convPriors = PriorMethod.BINARY.generate(4, 8, 5).toFloatArray();
    ConvFront front = new ConvFront(8, 8, 3, 2, 4, convPriors, settings, 6);
    SpelaNetwork network = SpelaNetwork.fresh(new int[] {front.outputs(), 32, 12}, 4, PriorMethod.BINARY, settings, 3);
    network.front(front);
    assertEquals(64, network.inputSize());
    List<EpochReport> reports = new ArrayList<>();
    List<Double> convLoss = new ArrayList<>();
    new Trainer(network, train, test, new TrainingOptions(3, 0.05f, 1, 7, 2)).run(report -> {
      reports.add(report);
      convLoss.add(front.takeLossSum());
    });
    assertTrue(convLoss.get(2) < convLoss.get(0), "the convolution's own loss fell: " + convLoss);
    assertEquals(1.0, reports.get(2).layerAccuracy()[1], 0.02);
  }

  @Test
  void binarisedWeightsComputeWithSignsAndKeepLearningInTheLatentWeights() {
    Samples train = ToyData.blocks(600, 64, 4, 1);
    SpelaNetwork network = ToyData.spela(new int[] {64, 48, 12}, 4, 3);
    network.binariseWeights();
    float scale = (float) Math.sqrt(2.0 / 64);
    for (float w : network.layers()[0].weights()) {
      assertTrue(Math.abs(w) <= scale);
    }
    List<EpochReport> reports = new ArrayList<>();
    new Trainer(network, train, train, new TrainingOptions(3, 0.05f, 1, 7, 1)).run(reports::add);
    assertTrue(reports.get(2).layerAccuracy()[0] > 0.95);
  }
}
