package dev.spela.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {
  private static final int[] SIZES = {64, 48, 12};

  private static List<EpochReport> train(Network network, Samples train, Samples test, int epochs, int batch, int threads) {
    List<EpochReport> reports = new ArrayList<>();
    new Trainer(network, train, test, new TrainingOptions(epochs, 0.01f, batch, 7, threads)).run(reports::add);
    return reports;
  }

  @Test
  void spelaSeparatesTwoClassesPerfectlyAtEveryLayer() {
    Samples train = ToyData.blocks(400, 64, 2, 1);
    Samples test = ToyData.blocks(200, 64, 2, 2);
    List<EpochReport> reports = train(ToyData.spela(SIZES, 2, 3), train, test, 3, 1, 1);
    assertArrayEquals(new double[] {1.0, 1.0}, reports.get(2).layerAccuracy());
  }

  @Test
  void spelaLossDecreases() {
    Samples train = ToyData.blocks(600, 64, 4, 1);
    Samples test = ToyData.blocks(200, 64, 4, 2);
    List<EpochReport> reports = train(ToyData.spela(SIZES, 4, 3), train, test, 4, 1, 1);
    // Layer 1 sees fixed inputs, so its loss falls every epoch; layer 2's inputs move with layer 1.
    for (int e = 1; e < reports.size(); e++) {
      assertTrue(reports.get(e).trainLoss()[0] < reports.get(e - 1).trainLoss()[0], "layer 1 loss rose at epoch " + (e + 1));
    }
    for (int k = 0; k < 2; k++) {
      assertTrue(reports.get(3).trainLoss()[k] < reports.get(0).trainLoss()[k] - 0.05, "layer " + (k + 1) + " loss did not fall");
    }
  }

  @Test
  void sameSeedGivesSameWeightsWhateverTheThreadCount() {
    Samples train = ToyData.blocks(300, 64, 4, 1);
    Samples test = ToyData.blocks(100, 64, 4, 2);
    int[] wide = {64, 300, 12};
    SpelaNetwork one = ToyData.spela(wide, 4, 5);
    SpelaNetwork two = ToyData.spela(wide, 4, 5);
    List<EpochReport> a = train(one, train, test, 2, 4, 1);
    List<EpochReport> b = train(two, train, test, 2, 4, 2);
    for (int k = 0; k < 2; k++) {
      assertArrayEquals(one.layers()[k].weights(), two.layers()[k].weights());
      assertArrayEquals(one.layers()[k].biases(), two.layers()[k].biases());
    }
    assertArrayEquals(a.get(1).layerAccuracy(), b.get(1).layerAccuracy());
    assertEquals(2, b.get(0).threads());
  }

  @Test
  void inOrderTrainsTheSamplesAsTheyCome() {
    Samples train = ToyData.blocks(200, 64, 4, 1);
    Samples test = ToyData.blocks(50, 64, 4, 2);
    SpelaNetwork trained = ToyData.spela(SIZES, 4, 3);
    new Trainer(trained, train, test, new TrainingOptions(1, 0.01f, 1, 7, 1, false)).run(report -> {});
    SpelaNetwork byHand = ToyData.spela(SIZES, 4, 3);
    int[] fileOrder = java.util.stream.IntStream.range(0, train.count()).toArray();
    try (ParallelRanges pool = new ParallelRanges(1)) {
      for (int i = 0; i < fileOrder.length; i++) {
        byHand.trainBatch(train, fileOrder, i, 1, 0.01f, pool, new double[2]);
      }
    }
    assertArrayEquals(byHand.layers()[0].weights(), trained.layers()[0].weights());
    SpelaNetwork shuffled = ToyData.spela(SIZES, 4, 3);
    new Trainer(shuffled, train, test, new TrainingOptions(1, 0.01f, 1, 7, 1)).run(report -> {});
    assertFalse(java.util.Arrays.equals(byHand.layers()[0].weights(), shuffled.layers()[0].weights()));
  }

  @Test
  void differentSeedsGiveDifferentWeights() {
    SpelaNetwork a = ToyData.spela(SIZES, 2, 1);
    SpelaNetwork b = ToyData.spela(SIZES, 2, 2);
    assertTrue(a.layers()[0].weights()[0] != b.layers()[0].weights()[0]);
  }

  @Test
  void miniBatchesLearnToo() {
    Samples train = ToyData.blocks(800, 64, 4, 1);
    Samples test = ToyData.blocks(200, 64, 4, 2);
    List<EpochReport> reports = train(ToyData.spela(SIZES, 4, 3), train, test, 40, 8, 1);
    assertEquals(1.0, reports.get(39).layerAccuracy()[1], 0.02);
  }

  @Test
  void backpropagationSeparatesFourClasses() {
    Samples train = ToyData.blocks(600, 64, 4, 1);
    Samples test = ToyData.blocks(200, 64, 4, 2);
    BackpropNetwork network = new BackpropNetwork(new int[] {64, 32, 4}, 4);
    network.initialise(3);
    List<EpochReport> reports = train(network, train, test, 3, 1, 2);
    assertEquals(1, reports.get(0).layerAccuracy().length);
    assertEquals(1.0, reports.get(2).layerAccuracy()[0]);
    assertTrue(reports.get(2).trainLoss()[0] < reports.get(0).trainLoss()[0]);
  }
}
