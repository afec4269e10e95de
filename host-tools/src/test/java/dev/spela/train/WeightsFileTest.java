package dev.spela.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsFileTest {
  @TempDir Path dir;

  @Test
  void spelaNetworkRoundTrips() throws IOException {
    SpelaNetwork network = ToyData.spela(new int[] {16, 12, 5}, 3, 9);
    Path file = dir.resolve("model.splw");
    WeightsFile.write(file, network, 9, 4);
    WeightsFile.Saved saved = WeightsFile.read(file);
    SpelaNetwork read = assertInstanceOf(SpelaNetwork.class, saved.network());
    assertEquals(9, saved.seed());
    assertEquals(4, saved.epochs());
    assertEquals(3, read.classes());
    for (int k = 0; k < 2; k++) {
      assertArrayEquals(network.layers()[k].weights(), read.layers()[k].weights());
      assertArrayEquals(network.layers()[k].biases(), read.layers()[k].biases());
      assertArrayEquals(network.priors()[k], read.priors()[k]);
    }
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file is left behind");
    }
  }

  @Test
  void settingsAndPreprocessingRoundTrip() throws IOException {
    SpelaSettings settings = new SpelaSettings(new Activation(0.001f), LocalLoss.SOFTMAX, 0.05f, false, false);
    SpelaNetwork network = SpelaNetwork.fresh(new int[] {16, 12, 16}, 4, dev.spela.priors.PriorMethod.BINARY, settings, 9);
    network.preprocessing(Preprocessing.fit(Preprocessing.Kind.STANDARDISE, ToyData.blocks(50, 16, 4, 1)));
    network.rawInputLayers(1);
    Path file = dir.resolve("edge.splw");
    WeightsFile.write(file, network, 9, 4);
    SpelaNetwork read = assertInstanceOf(SpelaNetwork.class, WeightsFile.read(file).network());
    assertEquals(settings, read.settings());
    assertEquals(1, read.rawInputLayers());
    assertEquals(Preprocessing.Kind.STANDARDISE, read.preprocessing().kind());
    assertArrayEquals(network.preprocessing().offset(), read.preprocessing().offset());
    assertArrayEquals(network.preprocessing().scale(), read.preprocessing().scale());
    assertArrayEquals(network.priors()[1], read.priors()[1]);
  }

  @Test
  void backpropNetworkRoundTrips() throws IOException {
    BackpropNetwork network = new BackpropNetwork(new int[] {8, 6, 3}, 3);
    network.initialise(2);
    Path file = dir.resolve("bp.splw");
    WeightsFile.write(file, network, 2, 1);
    Network read = WeightsFile.read(file).network();
    assertInstanceOf(BackpropNetwork.class, read);
    assertArrayEquals(network.layers()[1].weights(), read.layers()[1].weights());
  }

  @Test
  void corruptionAndTruncationAreRejected() throws IOException {
    SpelaNetwork network = ToyData.spela(new int[] {16, 12, 5}, 3, 9);
    Path file = dir.resolve("model.splw");
    WeightsFile.write(file, network, 9, 1);
    byte[] bytes = Files.readAllBytes(file);

    byte[] flipped = bytes.clone();
    flipped[bytes.length / 2] ^= 0x10;
    Path corrupt = Files.write(dir.resolve("corrupt.splw"), flipped);
    assertTrue(assertThrows(IOException.class, () -> WeightsFile.read(corrupt)).getMessage().contains("checksum"));

    Path truncated = Files.write(dir.resolve("short.splw"), Arrays.copyOf(bytes, bytes.length - 9));
    assertThrows(IOException.class, () -> WeightsFile.read(truncated));

    byte[] notOurs = bytes.clone();
    notOurs[0] = 'X';
    Path foreign = Files.write(dir.resolve("foreign.splw"), notOurs);
    assertTrue(assertThrows(IOException.class, () -> WeightsFile.read(foreign)).getMessage().contains("magic"));
    assertFalse(Files.exists(dir.resolve("missing.splw")));
  }
}
