package dev.spela.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.image.ImageCompiler;
import dev.spela.priors.PriorMethod;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FixedEngineTest {
  private static final int[] SIZES = {64, 48, 12};

  private static FixedEngine fixed(SpelaNetwork network) {
    return new FixedEngine(ImageCompiler.compile(network, ImageCompiler.Settings.of(0.01, 5)));
  }

  private static List<EpochReport> train(Engine engine, Samples train, Samples test, int epochs, int threads) {
    List<EpochReport> reports = new ArrayList<>();
    new Trainer(engine, train, test, new TrainingOptions(epochs, 0.01f, 1, 7, threads)).run(reports::add);
    return reports;
  }

  @Test
  void fixedAndFloatLearnTheSameFromTheSameStart() {
    Samples train = ToyData.blocks(600, 64, 4, 1);
    Samples test = ToyData.blocks(200, 64, 4, 2);
    SpelaNetwork network = ToyData.spela(SIZES, 4, 3);
    FixedEngine fixed = fixed(network);
    List<EpochReport> fixedReports = train(fixed, train, test, 3, 1);
    List<EpochReport> floatReports = train(network, train, test, 3, 1);
    // The first layer sees the same inputs in both engines, so its loss follows float's closely; the
    // second layer's inputs carry the first layer's rounding, and its dead units can differ.
    for (int e = 0; e < 3; e++) {
      assertEquals(floatReports.get(e).trainLoss()[0], fixedReports.get(e).trainLoss()[0], 0.005, "epoch " + e);
    }
    assertArrayEquals(new double[] {1.0, 1.0}, fixedReports.get(2).layerAccuracy());
    assertEquals("fixed", fixedReports.get(0).engine());
    assertEquals(3 * 600, fixed.runtime().samplesSeen());
  }

  @Test
  void withTheSoftmaxLossFixedAndFloatLearnTheSameAndTheImageKeepsTheLoss() {
    Samples train = ToyData.blocks(600, 64, 4, 1);
    Samples test = ToyData.blocks(400, 64, 4, 2);
    SpelaSettings softmax = new SpelaSettings(Activation.RELU, LocalLoss.SOFTMAX, 0.05f, true, false);
    SpelaNetwork network = SpelaNetwork.fresh(SIZES, 4, PriorMethod.BINARY, softmax, 3);
    FixedEngine fixed = fixed(network);
    List<EpochReport> fixedReports = train(fixed, train, test, 2, 1);
    List<EpochReport> floatReports = train(network, train, test, 2, 1);
    for (int k = 0; k < 2; k++) {
      assertEquals(floatReports.get(1).layerAccuracy()[k], fixedReports.get(1).layerAccuracy()[k], 0.02, "layer " + k);
    }
    ModelImageDecoder image = new ModelImageDecoder().wrap(fixed.image(), 0, fixed.image().length);
    assertEquals(ModelImage.LOSS_SOFTMAX, image.lossKind());
    assertEquals(5120, image.inverseTemperature());
  }

  @Test
  void withStandardisedInputsFixedAndFloatLearnTheSameAndTheImageCarriesTheStatistics() {
    Samples train = ToyData.blocks(600, 64, 4, 1);
    Samples test = ToyData.blocks(200, 64, 4, 2);
    SpelaNetwork network = ToyData.spela(SIZES, 4, 3);
    Preprocessing standardise = Preprocessing.fit(Preprocessing.Kind.STANDARDISE, train);
    network.preprocessing(standardise);
    FixedEngine fixed = fixed(network);
    byte[] image = fixed.image();
    ModelImageDecoder decoder = new ModelImageDecoder().wrap(image, 0, image.length);
    assertTrue(decoder.hasInputStatistics());
    for (int i = 0; i < 64; i++) {
      assertEquals(standardise.offset()[i] * 255 * 128, decoder.inputOffset(i), 0.5, "offset " + i);
      assertEquals(standardise.scale()[i] * 4096, decoder.inputScale(i), 0.5, "scale " + i);
    }
    List<EpochReport> fixedReports = train(fixed, train, test, 3, 1);
    List<EpochReport> floatReports = train(network, train, test, 3, 1);
    // The first layer's inputs, centred and scaled from the image's statistics, are float's.
    for (int e = 0; e < 3; e++) {
      assertEquals(floatReports.get(e).trainLoss()[0], fixedReports.get(e).trainLoss()[0], 0.005, "epoch " + e);
    }
    assertArrayEquals(new double[] {1.0, 1.0}, fixedReports.get(2).layerAccuracy());
    assertArrayEquals(floatReports.get(2).combinedAccuracy(), fixedReports.get(2).combinedAccuracy(), 0.01,
        "the combined prediction, as float's");
    assertTrue(new ModelImageDecoder().wrap(fixed.image(), 0, image.length).hasInputStatistics());
  }

  @Test
  void aScheduleSetsTheRateOfEveryStepDownToTheImagesSmallest() {
    Samples train = ToyData.blocks(300, 64, 4, 1);
    Samples test = ToyData.blocks(100, 64, 4, 2);
    FixedEngine fixed = fixed(ToyData.spela(SIZES, 4, 3));
    Schedule cosine = Schedule.withDecay(Schedule.constant(0.03f), "cosine");
    new Trainer(fixed, train, test, new TrainingOptions(2, cosine, 1, 7, 1, true, null)).run(r -> { });
    // The last of 600 steps: 0.03 * (1 + cos(pi * 599 / 600)) / 2 = 2.1e-7, 3 in Q24.
    assertEquals(3, fixed.runtime().learningRate());
    assertEquals(600, fixed.runtime().samplesSeen());
    FixedEngine ending = fixed(ToyData.spela(SIZES, 4, 3));
    Schedule tooSmall = Schedule.withDecay(Schedule.constant(1e-6f), "cosine");
    new Trainer(ending, train, test, new TrainingOptions(1, tooSmall, 1, 7, 1, true, null)).run(r -> { });
    assertEquals(1, ending.runtime().learningRate(), "rates below 2^-24 train at 2^-24");
  }

  @Test
  void anImageWithTheCosineScheduleDecaysItsOwnRateAsFloatsSchedule() {
    Samples train = ToyData.blocks(300, 64, 4, 1);
    Samples test = ToyData.blocks(100, 64, 4, 2);
    SpelaNetwork network = ToyData.spela(SIZES, 4, 3);
    FixedEngine fixed = new FixedEngine(
        ImageCompiler.compile(network, ImageCompiler.Settings.of(0.03, 5).withCosineSchedule(3 * 300)));
    Schedule cosine = Schedule.withDecay(Schedule.constant(0.03f), "cosine");
    List<EpochReport> fixedReports = new ArrayList<>();
    List<EpochReport> floatReports = new ArrayList<>();
    new Trainer(fixed, train, test, new TrainingOptions(3, cosine, 1, 7, 1, true, null)).run(fixedReports::add);
    new Trainer(network, train, test, new TrainingOptions(3, cosine, 1, 7, 1, true, null)).run(floatReports::add);
    for (int e = 0; e < 3; e++) {
      assertEquals(floatReports.get(e).trainLoss()[0], fixedReports.get(e).trainLoss()[0], 0.005, "epoch " + e);
    }
    // The host left the rate alone: the runtime decayed it from the image's base rate.
    assertEquals(FixedEngine.learningRateQ24(0.03), fixed.runtime().learningRate());
    ModelImageDecoder image = new ModelImageDecoder().wrap(fixed.image(), 0, fixed.image().length);
    assertEquals(ModelImage.SCHEDULE_COSINE, image.scheduleKind());
    assertEquals(900, image.scheduleSteps());
    assertEquals(900, image.samplesSeen());
  }

  @Test
  void evaluationGivesTheSameAnswersOnAnyNumberOfThreads() {
    Samples train = ToyData.blocks(300, 64, 4, 1);
    Samples test = ToyData.blocks(700, 64, 4, 2);
    FixedEngine fixed = fixed(ToyData.spela(SIZES, 4, 3));
    List<EpochReport> reports = train(fixed, train, test, 1, 3);
    assertEquals(1, reports.get(0).threads(), "the fixed engine trains on one thread");
    try (ParallelRanges one = new ParallelRanges(1)) {
      assertArrayEquals(reports.get(0).layerAccuracy(), fixed.accuracy(test, one).layers());
    }
  }

  @Test
  void itTrainsOneSampleAtATime() {
    Samples train = ToyData.blocks(10, 64, 4, 1);
    FixedEngine fixed = fixed(ToyData.spela(SIZES, 4, 3));
    try (ParallelRanges pool = new ParallelRanges(1)) {
      assertThrows(IllegalArgumentException.class,
          () -> fixed.trainBatch(train, new int[] {0, 1}, 0, 2, 0.01f, pool, new double[2]));
    }
    assertEquals(167772, FixedEngine.learningRateQ24(0.01));
    assertThrows(IllegalArgumentException.class, () -> FixedEngine.learningRateQ24(0));
    assertTrue(FixedEngine.learningRateQ24(1.0) == 1 << 24);
  }

  @Test
  void anInvalidImageIsRefusedWithItsStatus() {
    byte[] image = ImageCompiler.compile(ToyData.spela(SIZES, 4, 3), ImageCompiler.Settings.of(0.01, 5));
    image[image.length / 2] ^= 1;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FixedEngine(image));
    assertTrue(e.getMessage().contains("BAD_DIGEST"), e.getMessage());
  }
}
