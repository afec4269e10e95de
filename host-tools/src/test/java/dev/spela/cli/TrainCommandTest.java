package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.data.Fixture;
import dev.spela.train.WeightsFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spela train} on the tiny committed fixture: output, determinism, saving and bad input. */
class TrainCommandTest {
  @TempDir Path dir;

  private StringWriter out;
  private StringWriter err;

  private int train(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    String[] full = new String[args.length + 5];
    full[0] = "train";
    full[1] = "--dataset";
    full[2] = "mnist";
    full[3] = "--data-dir";
    full[4] = Fixture.dir().toString();
    System.arraycopy(args, 0, full, 5, args.length);
    return SpelaCommand.execute(out, err, full);
  }

  @Test
  void jsonPrintsOneObjectPerEpochWithEveryLayersAccuracy() throws Exception {
    assertEquals(0, train("--layers", "784,20,12", "--epochs", "3", "--json", "--threads", "2"), err.toString());
    String[] lines = out.toString().split("\n");
    assertEquals(3, lines.length, out.toString());
    for (int e = 0; e < 3; e++) {
      JsonNode epoch = Json.mapper().readTree(lines[e]);
      assertEquals(e + 1, epoch.get("epoch").asInt());
      assertTrue(epoch.get("seconds").asDouble() > 0);
      assertTrue(epoch.get("samplesPerSecond").asDouble() > 0);
      assertEquals(2, epoch.get("threads").asInt());
      assertEquals(2, epoch.get("layerAccuracy").size());
      for (JsonNode accuracy : epoch.get("layerAccuracy")) {
        assertTrue(accuracy.asDouble() >= 0 && accuracy.asDouble() <= 1);
      }
    }
  }

  @Test
  void backpropagationReportsItsOutputLayerOnly() throws Exception {
    assertEquals(0, train("--layers", "784,16,10", "--algo", "bp", "--json"), err.toString());
    JsonNode epoch = Json.mapper().readTree(out.toString());
    assertEquals(1, epoch.get("layerAccuracy").size());
  }

  @Test
  void textOutputNamesTheRunAndEveryLayer() {
    assertEquals(0, train("--layers", "784,20,12", "--epochs", "2"), err.toString());
    String text = out.toString();
    assertTrue(text.startsWith("Training 784-20-12 with SPELA on mnist: 12 training and 6 test samples"), text);
    assertTrue(text.contains("epoch 2/2"), text);
    assertTrue(text.contains("layer 1 ") && text.contains("layer 2 "), text);
  }

  @Test
  void theSameSeedSavesTheSameWeights() throws Exception {
    Path a = dir.resolve("a.splw");
    Path b = dir.resolve("b.splw");
    assertEquals(0, train("--layers", "784,20,12", "--seed", "4", "--save", a.toString(), "--threads", "1"), err.toString());
    assertEquals(0, train("--layers", "784,20,12", "--seed", "4", "--save", b.toString(), "--threads", "2"), err.toString());
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b)));
    assertEquals(4, WeightsFile.read(a).seed());
    assertEquals(0, train("--layers", "784,20,12", "--seed", "5", "--save", b.toString()), err.toString());
    assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b)));
  }

  @Test
  void aShardIsWhatADeviceWithThatShardSees() {
    assertEquals(0, train("--layers", "784,20,12", "--shard", "1/2", "--in-order"), err.toString());
    assertTrue(out.toString().contains(": 6 training and 3 test samples"), out.toString());
    assertOneLineError(2, train("--layers", "784,20,12", "--shard", "2/2"), "--shard takes I/N");
    assertOneLineError(2, train("--layers", "784,20,12", "--shard", "x"), "--shard takes I/N");
  }

  private void assertOneLineError(int expectedExit, int exit, String fragment) {
    assertEquals(expectedExit, exit, err.toString());
    String first = err.toString().lines().findFirst().orElse("");
    assertTrue(first.startsWith("spela: ") && first.contains(fragment), err.toString());
    assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
  }

  @Test
  void aLayerListThatDoesNotMatchTheDataIsRefused() {
    Path save = dir.resolve("never.splw");
    assertOneLineError(2, train("--layers", "100,20,12", "--save", save.toString()), "784");
    assertFalse(Files.exists(save), "no partial result file");
  }

  @Test
  void tooFewUnitsForTheClassesAreRefused() {
    assertOneLineError(2, train("--layers", "784,20,5"), "too few to hold 10 class vectors");
    assertOneLineError(2, train("--layers", "784,20,12", "--algo", "bp"), "one unit per class");
  }

  @Test
  void badNumbersAreUsageErrors() {
    assertOneLineError(2, train("--layers", "784,20,12", "--lr", "-0.1"), "--lr must be a positive number");
    assertOneLineError(2, train("--layers", "784,20,12", "--epochs", "0"), "--epochs");
    assertOneLineError(2, train("--layers", "784", "--epochs", "1"), "--layers needs");
    assertOneLineError(2, train("--layers", "784,x,12"), "--layers");
    assertOneLineError(2, train("--layers", "784,20,12", "--threads", "0"), "--threads");
  }

  @Test
  void recipesAndLearningOptionsTrainAndTheFixedEngineRefusesWhatItCannotDo() throws Exception {
    assertEquals(0, train("--layers", "784,20,12", "--recipe", "paper", "--loss", "logcos", "--activation", "leaky:0.01",
        "--lr", "0.02,0.01", "--schedule", "step:0.5:1", "--warmup", "0.5", "--batch", "2", "--batch-sum",
        "--preprocess", "centre", "--priors", "blocks", "--shift", "1", "--layer-epochs", "1-2,2-2", "--epochs", "2",
        "--evaluate-every", "2"), err.toString());
    assertTrue(out.toString().contains("Recipe paper: leaky:0.01, logcos loss"), out.toString());
    assertTrue(out.toString().contains("(not tested)"), out.toString());
    assertEquals(0, train("--layers", "784,20,12", "--json"), err.toString());
    JsonNode epoch = Json.mapper().readTree(out.toString().trim());
    assertEquals(2, epoch.get("combinedAccuracy").size());
    assertEquals(2, epoch.get("weightNorm").size());
    assertOneLineError(2, train("--layers", "784,20,12", "--engine", "fixed", "--loss", "logcos"),
        "--engine fixed does not support --loss logcos");
    assertOneLineError(2, train("--layers", "784,20,12", "--engine", "fixed", "--recipe", "authors-code"),
        "--engine fixed does not support --recipe authors-code");
    // The edge recipe runs on the device runtime: softmax, binary vectors, input statistics, its schedule.
    assertEquals(0, train("--layers", "784,20,12", "--engine", "fixed", "--recipe", "edge"), err.toString());
    assertEquals(0, train("--layers", "784,20,12", "--engine", "fixed"), err.toString());
    out.getBuffer().setLength(0);
    assertEquals(0, train("--layers", "784,20,12", "--engine", "fixed", "--json", "--precision"), err.toString());
    JsonNode fixedEpoch = Json.mapper().readTree(out.toString().trim());
    assertEquals(2, fixedEpoch.get("weightNorm").size());
    assertTrue(fixedEpoch.get("precision").get(0).get("sampledUpdates").asLong() > 0, fixedEpoch.toString());
    assertOneLineError(2, train("--layers", "784,20,12", "--precision", "--json"), "add --engine fixed --json");
    assertEquals(0, train("--layers", "784,20,12", "--engine", "fixed", "--loss", "softmax", "--priors", "binary",
        "--lr", "0.03", "--schedule", "cosine", "--epochs", "2"), err.toString());
    assertOneLineError(2, train("--layers", "784,20,12", "--schedule", "sometimes"), "a schedule is constant");
    assertOneLineError(2, train("--layers", "784,20,12", "--lr", "0.1,0.1,0.1"), "one per layer");
  }

  @Test
  void classSubsetsFewShotResplitsAndFrozenExtractors() {
    assertEquals(0, train("--layers", "784,20,12", "--resplit", "0.5"), err.toString());
    assertTrue(out.toString().contains(": 9 training and 9 test samples"), out.toString());
    Path extractor = dir.resolve("extractor.splw");
    assertEquals(0, train("--layers", "784,20,5", "--algo", "bp", "--classes", "0-4", "--save", extractor.toString()),
        err.toString());
    assertEquals(0, train("--layers", "784,20,12", "--classes", "5-9", "--start-from", extractor.toString()),
        err.toString());
    assertOneLineError(2, train("--layers", "784,30,12", "--start-from", extractor.toString()), "layer 1 is 784x20");
    assertOneLineError(2, train("--layers", "784,20,12", "--classes", "7-3"), "--classes takes A-B");
    assertOneLineError(2, train("--layers", "784,20,12", "--resplit", "1.5"), "--resplit");
  }

  @Test
  void aCorruptDatasetFileIsAFailure() throws Exception {
    Path broken = dir.resolve("broken");
    Files.createDirectories(broken);
    try (var files = Files.list(Fixture.dir())) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.copy(file, broken.resolve(file.getFileName()));
      }
    }
    Path labels = broken.resolve("train-labels-idx1-ubyte");
    byte[] bytes = Files.readAllBytes(labels);
    Files.write(labels, java.util.Arrays.copyOf(bytes, bytes.length - 3));
    out = new StringWriter();
    err = new StringWriter();
    int exit = SpelaCommand.execute(out, err, "train", "--dataset", "mnist", "--data-dir", broken.toString(), "--layers", "784,20,12");
    assertOneLineError(1, exit, "train-labels-idx1-ubyte");
  }
}
