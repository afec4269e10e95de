package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.data.Fixture;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spela compile}, {@code inspect}, {@code train --engine fixed} and {@code bench} on the tiny
 * committed fixture: round trips through real files, rejection of corrupt images, usage errors, and
 * no partial output files.
 */
class ImageCommandsTest {
  @TempDir Path dir;

  private StringWriter out;
  private StringWriter err;

  private int spela(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return SpelaCommand.execute(out, err, args);
  }

  private String[] withData(String command, String... args) {
    return Stream.concat(Stream.of(command, "--dataset", "mnist", "--data-dir", Fixture.dir().toString()),
        Arrays.stream(args)).toArray(String[]::new);
  }

  private JsonNode inspect(Path image) throws Exception {
    assertEquals(0, spela("inspect", image.toString(), "--json"), err.toString());
    return Json.mapper().readTree(out.toString());
  }

  private void assertOneLineError(int expectedExit, int exit, String fragment) {
    assertEquals(expectedExit, exit, err.toString());
    String first = err.toString().lines().findFirst().orElse("");
    assertTrue(first.startsWith("spela: ") && first.contains(fragment), err.toString());
    assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
  }

  private void assertNoFilesLeft() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> left = files.toList();
      assertTrue(left.isEmpty(), "no partial output: " + left);
    }
  }

  @Test
  void compileThenInspectShowsWhatWasCompiled() throws Exception {
    Path image = dir.resolve("fresh.img");
    assertEquals(0, spela("compile", "--layers", "784,20,12", "--seed", "7", "--lr", "0.005", "-o", image.toString()),
        err.toString());
    byte[] bytes = Files.readAllBytes(image);
    // The file's SHA-256, as sha256sum prints it and a transfer announces it.
    String digest = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    assertTrue(out.toString().startsWith("Wrote " + image + ": 784-20-12, 10 classes, "), out.toString());
    assertTrue(out.toString().contains(digest), out.toString());

    JsonNode report = inspect(image);
    assertEquals(bytes.length, report.get("bytes").asInt());
    assertEquals(digest, report.get("sha256").asText());
    assertEquals(1, report.get("version").asInt());
    assertEquals(10, report.get("classes").asInt());
    assertEquals(784, report.get("inputSize").asInt());
    assertEquals(Math.round(0.005 * (1 << 24)), report.get("learningRateQ24").asLong());
    assertEquals(7, report.get("rngSeed").asLong());
    assertEquals(0, report.get("samplesSeen").asLong());
    assertEquals("stochastic", report.get("rounding").asText());
    JsonNode layers = report.get("layers");
    assertEquals(2, layers.size());
    assertEquals(784, layers.get(0).get("inputs").asInt());
    assertEquals(20, layers.get(0).get("outputs").asInt());
    assertEquals(11, layers.get(0).get("inputFracBits").asInt());
    assertEquals(2 * 784 * 20, layers.get(0).get("weightBytes").asInt());
    assertEquals(13, layers.get(1).get("inputFracBits").asInt());
    assertEquals(layers.get(1).get("weightExponent").asInt() - 13, layers.get(1).get("biasExponent").asInt());
    JsonNode memory = report.get("memory");
    assertEquals(2 * (784 * 20 + 20 * 12), memory.get("weights").asLong());
    assertEquals(2 * 10 * (20 + 12), memory.get("priors").asLong());
    assertEquals(memory.get("frozenWeights").asLong() + memory.get("priors").asLong(), memory.get("flash").asLong());
    assertEquals(memory.get("arena").asLong() + memory.get("ioBuffers").asLong() + memory.get("runtimeFixed").asLong(),
        memory.get("ram").asLong());
    assertTrue(memory.get("backpropagationActivations").asLong() > memory.get("activations").asLong());

    assertEquals(0, spela("inspect", image.toString()), err.toString());
    String text = out.toString();
    assertTrue(text.contains("valid model image, format version 1"), text);
    assertTrue(text.contains(digest) && text.contains("784-20-12, 10 classes"), text);
    assertTrue(text.contains("int16 x 2^" + layers.get(0).get("weightExponent").asInt()), text);
    assertTrue(text.contains("backpropagation"), text);
  }

  @Test
  void theSameSpecGivesTheSameImageWhereverTheClassesComeFrom() throws Exception {
    Path a = dir.resolve("a.img");
    Path b = dir.resolve("b.img");
    assertEquals(0, spela("compile", "--layers", "784,20,12", "--classes", "10", "-o", a.toString()), err.toString());
    assertEquals(0, spela(withData("compile", "--layers", "784,20,12", "-o", b.toString())), err.toString());
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    assertEquals(0, spela("compile", "--layers", "784,20,12", "--seed", "2", "-o", b.toString()), err.toString());
    assertFalse(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b)));
  }

  @Test
  void trainedFloatWeightsCompileAndBackpropagationWeightsDoNot() throws Exception {
    Path weights = dir.resolve("w.splw");
    assertEquals(0, spela(withData("train", "--layers", "784,20,12", "--seed", "3", "--recipe", "paper", "--save",
        weights.toString())), err.toString());
    Path image = dir.resolve("w.img");
    assertEquals(0, spela("compile", "--from", weights.toString(), "-o", image.toString()), err.toString());
    assertEquals(3, inspect(image).get("rngSeed").asLong(), "the seed comes from the weights file");

    assertFalse(inspect(image).get("inputStatistics").asBoolean());
    // The edge recipe's standardised inputs travel in the image, with the combined prediction asked for.
    Path edge = dir.resolve("edge.splw");
    assertEquals(0, spela(withData("train", "--layers", "784,20,12", "--save", edge.toString())), err.toString());
    Path edgeImage = dir.resolve("edge.img");
    assertEquals(0, spela("compile", "--from", edge.toString(), "--combined-prediction", "--cosine-steps", "1000",
        "-o", edgeImage.toString()), err.toString());
    assertEquals(1000, inspect(edgeImage).get("cosineSteps").asInt());
    assertTrue(inspect(edgeImage).get("inputStatistics").asBoolean());
    assertTrue(inspect(edgeImage).get("combinedPrediction").asBoolean());
    Path logcos = dir.resolve("logcos.splw");
    assertEquals(0, spela(withData("train", "--layers", "784,20,12", "--loss", "logcos", "--save",
        logcos.toString())), err.toString());
    assertOneLineError(1, spela("compile", "--from", logcos.toString(), "-o", dir.resolve("logcos.img").toString()),
        "cosine or the softmax loss");

    Path bp = dir.resolve("bp.splw");
    assertEquals(0, spela(withData("train", "--layers", "784,16,10", "--algo", "bp", "--save", bp.toString())),
        err.toString());
    Path never = dir.resolve("never.img");
    assertOneLineError(1, spela("compile", "--from", bp.toString(), "-o", never.toString()), "backpropagation");
    assertFalse(Files.exists(never));
    assertOneLineError(1, spela("compile", "--from", image.toString(), "-o", never.toString()), "bad magic");
    assertFalse(Files.exists(never));
  }

  @Test
  void inspectNamesTheCheckACorruptImageFails() throws Exception {
    Path image = dir.resolve("m.img");
    assertEquals(0, spela("compile", "--layers", "784,20,12", "-o", image.toString()), err.toString());
    byte[] good = Files.readAllBytes(image);

    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 0x10;
    Files.write(image, flipped);
    assertOneLineError(1, spela("inspect", image.toString()), "BAD_DIGEST");
    assertTrue(err.toString().contains("corrupt"), err.toString());

    Files.write(image, Arrays.copyOf(good, good.length - 100));
    assertOneLineError(1, spela("inspect", image.toString(), "--json"), "TRUNCATED");
    assertEquals("", out.toString(), "nothing on stdout for an invalid image");

    byte[] header = good.clone();
    header[4] = 2;
    Files.write(image, header);
    assertOneLineError(1, spela("inspect", image.toString()), "UNSUPPORTED_VERSION");

    Files.writeString(image, "not a model image, but longer than the smallest one (96 bytes). ".repeat(3));
    assertOneLineError(1, spela("inspect", image.toString()), "BAD_MAGIC");

    Path missing = dir.resolve("missing.img");
    assertOneLineError(1, spela("inspect", missing.toString()), "cannot read " + missing + ": no such file");
    assertOneLineError(1, spela("inspect", dir.toString()), "cannot read " + dir + ": is a directory");
  }

  @Test
  void aFileLongerThanAnyBoardsFlashIsRefusedWithoutReadingItAll() {
    // /dev/zero reports a size of 0 and never ends: only a limit on what is read stops it.
    assertOneLineError(1, spela("inspect", "/dev/zero"), "longer than");
    assertTrue(err.toString().contains("the flash of the largest board"), err.toString());
    assertOneLineError(1, spela("flash", "--device", "vd-1", "/dev/urandom"), "not a model image");
  }

  @Test
  void compileRefusesAnInputSizeTheDatasetDoesNotHaveAndWarnsWithoutADataset() throws Exception {
    Path image = dir.resolve("m.img");
    assertOneLineError(2, spela(withData("compile", "--layers", "100,20,12", "-o", image.toString())),
        "--layers starts with 100 inputs, but mnist samples have 784 values: start it with 784");
    assertNoFilesLeft();

    assertEquals(0, spela("compile", "--layers", "100,20,12", "-o", image.toString()), err.toString());
    assertTrue(err.toString().startsWith("spela: warning: --layers starts with 100 inputs"), err.toString());
    assertTrue(err.toString().contains("VERDICT detail -33"), err.toString());
  }

  @Test
  void badCompileOptionsAreUsageErrorsAndWriteNothing() throws Exception {
    Path out = dir.resolve("x.img");
    assertOneLineError(2, spela("compile", "-o", out.toString()), "--layers");
    assertOneLineError(2, spela("compile", "--layers", "784,20,12"), "--output");
    assertOneLineError(2, spela("compile", "--layers", "784,20,12", "--lr", "2", "-o", out.toString()), "learning rate");
    assertOneLineError(2, spela("compile", "--layers", "784,20,12", "--margin", "3", "-o", out.toString()), "margin");
    assertOneLineError(2, spela("compile", "--layers", "784,20,12", "--classes", "1", "-o", out.toString()), "--classes");
    assertOneLineError(2, spela("compile", "--layers", "784,20,5", "-o", out.toString()), "too few to hold 10 class vectors");
    assertOneLineError(2, spela("compile", "--layers", "784,70000,12", "-o", out.toString()), "model image holds");
    assertOneLineError(2, spela("compile", "--layers", "784,20,12", "--from", "w.splw", "-o", out.toString()), "--from");
    assertOneLineError(2, spela(withData("compile", "--layers", "100,20,12", "-o", out.toString())), "784");
    assertOneLineError(2, spela(withData("compile", "--layers", "784,20,12", "--classes", "10", "-o", out.toString())),
        "give one");
    assertNoFilesLeft();
  }

  @Test
  void theFixedEngineTrainsSavesAndResumesAnImage() throws Exception {
    Path image = dir.resolve("fixed.img");
    assertEquals(0, spela(withData("train", "--layers", "784,20,12", "--engine", "fixed", "--json", "--threads", "2",
        "--save", image.toString())), err.toString());
    JsonNode epoch = Json.mapper().readTree(out.toString());
    assertEquals("fixed", epoch.get("engine").asText());
    assertEquals(1, epoch.get("threads").asInt(), "the fixed engine trains on one thread");
    assertEquals(2, epoch.get("layerAccuracy").size());
    assertEquals(12, inspect(image).get("samplesSeen").asLong());

    Path resumed = dir.resolve("resumed.img");
    assertEquals(0, spela(withData("train", "--engine", "fixed", "--init", image.toString(), "--epochs", "2",
        "--save", resumed.toString())), err.toString());
    assertTrue(out.toString().startsWith("Training 784-20-12 from " + image + " with SPELA (fixed-point engine)"),
        out.toString());
    assertTrue(out.toString().contains("lr 0.00999999"), "the image's learning rate: " + out);
    assertEquals(36, inspect(resumed).get("samplesSeen").asLong());

    assertEquals(0, spela(withData("train", "--layers", "784,20,12", "--json")), err.toString());
    assertEquals("float", Json.mapper().readTree(out.toString()).get("engine").asText());
  }

  @Test
  void theFixedEngineStartsFromTheImageCompileMakesForTheSameSeed() throws Exception {
    Path compiled = dir.resolve("compiled.img");
    assertEquals(0, spela("compile", "--layers", "784,20,12", "--seed", "4", "-o", compiled.toString()), err.toString());
    Path fromCompiled = dir.resolve("from-compiled.img");
    assertEquals(0, spela(withData("train", "--engine", "fixed", "--init", compiled.toString(), "--seed", "4",
        "--lr", "0.01", "--save", fromCompiled.toString())), err.toString());
    Path fresh = dir.resolve("fresh.img");
    assertEquals(0, spela(withData("train", "--engine", "fixed", "--layers", "784,20,12", "--seed", "4",
        "--save", fresh.toString())), err.toString());
    assertArrayEquals(Files.readAllBytes(fresh), Files.readAllBytes(fromCompiled));
  }

  @Test
  void theFixedEngineRefusesWhatTheRuntimeDoesNotDo() throws Exception {
    Path save = dir.resolve("never.img");
    String[] fixed = {"--layers", "784,20,12", "--engine", "fixed", "--save", save.toString()};
    assertOneLineError(2, spela(withData("train", concat(fixed, "--batch", "4"))), "--batch must be 1");
    assertOneLineError(2, spela(withData("train", concat(fixed, "--loss", "euclidean"))), "cosine and softmax losses only");
    assertOneLineError(2, spela(withData("train", concat(fixed, "--algo", "bp"))), "SPELA only");
    assertOneLineError(2, spela(withData("train", concat(fixed, "--lr", "3"))), "--lr");
    assertOneLineError(2, spela(withData("train", "--engine", "fixed")), "--layers is required");
    assertNoFilesLeft();

    Path image = dir.resolve("m.img");
    assertEquals(0, spela("compile", "--layers", "784,20,12", "-o", image.toString()), err.toString());
    assertOneLineError(2, spela(withData("train", "--init", image.toString())), "--engine fixed");
    assertOneLineError(2, spela(withData("train", "--engine", "fixed", "--init", image.toString(), "--layers", "784,30,12")),
        "does not match");
    Path fiveClasses = dir.resolve("five.img");
    assertEquals(0, spela("compile", "--layers", "784,20,12", "--classes", "5", "-o", fiveClasses.toString()), err.toString());
    assertOneLineError(2, spela(withData("train", "--engine", "fixed", "--init", fiveClasses.toString())), "5 classes");
    Files.write(image, Arrays.copyOf(Files.readAllBytes(image), 500));
    assertOneLineError(1, spela(withData("train", "--engine", "fixed", "--init", image.toString())), "TRUNCATED");
  }

  @Test
  void benchReportsBothEnginesOnTheDefaultDatasetName() throws Exception {
    assertEquals(0, spela("bench", "--data-dir", Fixture.dir().toString(), "--layers", "784,20,12", "--layers", "784,16,12",
        "--samples", "30", "--warmup", "5", "--rounds", "1", "--json"), err.toString());
    assertEquals("", err.toString(), "--json: no progress or other extra output");
    String[] lines = out.toString().split("\n");
    assertEquals(2, lines.length, out.toString());
    JsonNode first = Json.mapper().readTree(lines[0]);
    assertEquals("mnist", first.get("dataset").asText());
    assertEquals("784-20-12", first.get("layers").asText());
    assertEquals(1, first.get("floatThreads").asInt());
    assertEquals(1, first.get("fixedThreads").asInt());
    assertTrue(first.get("floatSamplesPerSecond").asDouble() > 0 && first.get("fixedSamplesPerSecond").asDouble() > 0);
    assertEquals(first.get("fixedSamplesPerSecond").asDouble() / first.get("floatSamplesPerSecond").asDouble(),
        first.get("fixedOverFloat").asDouble(), 1e-9);
    assertOneLineError(2, spela("bench", "--data-dir", Fixture.dir().toString(), "--layers", "100,20,12"), "784");
    assertOneLineError(2, spela("bench", "--data-dir", Fixture.dir().toString(), "--samples", "0"), "--samples");
  }

  private static String[] concat(String[] a, String... b) {
    return Stream.concat(Arrays.stream(a), Arrays.stream(b)).toArray(String[]::new);
  }
}
