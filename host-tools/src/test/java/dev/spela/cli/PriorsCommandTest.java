package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.priors.Priors;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PriorsCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return SpelaCommand.execute(out, err, args);
  }

  @Test
  void jsonIsOneLineWithTheStatisticsOfThePriors() throws IOException {
    int exit = run("priors", "--classes", "34", "--dim", "1000", "--seed", "7", "--json");

    assertEquals(SpelaCommand.EXIT_OK, exit, err.toString());
    List<String> lines = out.toString().lines().toList();
    assertEquals(1, lines.size(), out.toString());
    JsonNode json = Json.mapper().readTree(lines.get(0));
    Priors expected = Priors.riesz(34, 1000, 7);
    assertEquals(34, json.get("classes").asInt());
    assertEquals(1000, json.get("dim").asInt());
    assertEquals(expected.energy(), json.get("energy").asDouble());
    assertEquals(expected.minCos(), json.get("minCos").asDouble());
    assertEquals(expected.maxCos(), json.get("maxCos").asDouble());
    assertEquals("riesz", json.get("method").asText());
    assertEquals(7, json.get("seed").asLong());
    assertEquals(-1.0 / 33, json.get("minCos").asDouble(), 1e-6);
  }

  @Test
  void jsonHasNullCosinesForOneClass() throws IOException {
    int exit = run("priors", "--classes", "1", "--dim", "3", "--method", "random", "--json");

    assertEquals(SpelaCommand.EXIT_OK, exit, err.toString());
    JsonNode json = Json.mapper().readTree(out.toString());
    assertTrue(json.get("minCos").isNull());
    assertTrue(json.get("maxCos").isNull());
    assertEquals(0.0, json.get("energy").asDouble());
    assertEquals("random", json.get("method").asText());
  }

  @Test
  void humanOutputNamesEnergyAndCosines() {
    int exit = run("priors", "--classes", "10", "--dim", "34");

    assertEquals(SpelaCommand.EXIT_OK, exit, err.toString());
    String text = out.toString();
    assertTrue(text.contains("riesz priors, 10 classes in R^34, seed 1"), text);
    assertTrue(text.contains("energy      30.1869177"), text);
    assertTrue(text.contains("min cosine  -0.11111"), text);
    assertTrue(text.contains("max cosine  -0.11111"), text);
  }

  @Test
  void outWritesOneCsvLinePerClassThatReadsBackExactly(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("priors.csv");

    int exit =
        run(
            "priors",
            "--classes",
            "5",
            "--dim",
            "8",
            "--seed",
            "3",
            "--method",
            "RANDOM",
            "--out",
            file.toString());

    assertEquals(SpelaCommand.EXIT_OK, exit, err.toString());
    List<String> lines = Files.readAllLines(file);
    assertEquals(5, lines.size());
    float[] read = new float[5 * 8];
    for (int c = 0; c < 5; c++) {
      String[] fields = lines.get(c).split(",");
      assertEquals(8, fields.length);
      for (int i = 0; i < 8; i++) {
        read[c * 8 + i] = Float.parseFloat(fields[i]);
      }
    }
    assertArrayEquals(Priors.random(5, 8, 3).toFloatArray(), read);
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "no temporary file left");
    }
  }

  @Test
  void outIntoAMissingDirectoryFailsWithoutWriting(@TempDir Path dir) {
    Path file = dir.resolve("missing").resolve("priors.csv");

    int exit = run("priors", "--classes", "3", "--dim", "2", "--out", file.toString());

    assertEquals(SpelaCommand.EXIT_FAILURE, exit);
    assertTrue(err.toString().startsWith("spela: cannot write "), err.toString());
    assertFalse(Files.exists(file.getParent()));
    assertEquals("", out.toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--classes 0 --dim 10",
        "--classes 10 --dim -1",
        "--classes 10 --dim 0",
        "--classes 10 --dim 10 --method electrons",
        "--classes 513 --dim 10",
        "--classes 3 --dim 1",
        "--classes ten --dim 10",
        "--dim 10"
      })
  void badValuesExitWithUsageAndOneLineMessage(String args) {
    String[] argv = ("priors " + args).split(" ");

    int exit = run(argv);

    assertEquals(SpelaCommand.EXIT_USAGE, exit);
    List<String> lines = err.toString().lines().toList();
    assertEquals(2, lines.size(), err.toString());
    assertTrue(lines.get(0).startsWith("spela: "), lines.get(0));
    assertEquals("Try 'spela priors --help'.", lines.get(1));
    assertEquals("", out.toString());
  }

  @Test
  void unknownMethodNamesTheChoices() {
    run("priors", "--classes", "3", "--dim", "3", "--method", "electrons");

    assertTrue(
        err.toString().contains("unknown method 'electrons' (expected riesz, random, binary or blocks)"),
        err.toString());
  }

  @Test
  void helpExplainsTheMethodsWithAnExample() {
    int exit = run("priors", "--help");

    assertEquals(SpelaCommand.EXIT_OK, exit);
    String help = out.toString();
    assertTrue(help.contains("riesz (default)"), help);
    assertTrue(help.contains("random:"), help);
    assertTrue(help.contains("spela priors --classes 10 --dim 34"), help);
  }
}
