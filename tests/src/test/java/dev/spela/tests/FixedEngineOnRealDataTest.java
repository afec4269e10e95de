package dev.spela.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.cli.Json;
import dev.spela.cli.SpelaCommand;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixed-point engine (the device runtime) on real MNIST, 784-128-34, one epoch on the first
 * 20,000 training samples, judged on the whole test set: it matches the float engine started from
 * the same model in the same order, and it carries on improving a model the float engine trained.
 *
 * <p>Seed 5: at this size a layer-2 unit of SPELA's 34 can die or survive by chance, which moves
 * layer 2 by several points in float itself (at seed 1, scaling float's initial weights by 1 +
 * 0.1% noise moves layer 2 between 82.1% and 86.1%). At seed 5 float is stable under that
 * perturbation (spread 0.2 points), so a difference here is the arithmetic's, not chance's.
 */
class FixedEngineOnRealDataTest {
  private static final String SEED = "5";
  private static final double TOLERANCE = 0.015;

  @TempDir static Path dir;

  private static JsonNode floatEpoch;
  private static Path floatWeights;

  private static JsonNode spela(String... args) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(0, SpelaCommand.execute(out, err, args), err.toString());
    return args[0].equals("train") ? Json.mapper().readTree(out.toString()) : null;
  }

  private static JsonNode train(String... options) throws Exception {
    String[] common = {"train", "--dataset", "mnist", "--data-dir",
        RealDatasetsTest.sharedDatasets().resolve("mnist").toString(), "--train-samples", "20000", "--json"};
    return spela(Stream.concat(Stream.of(common), Stream.of(options)).toArray(String[]::new));
  }

  @BeforeAll
  static void trainTheFloatEngine() throws Exception {
    floatWeights = dir.resolve("float.splw");
    // The fixed engine follows the paper's recipe; float's default (edge) is not in the runtime yet.
    floatEpoch = train("--layers", "784,128,34", "--seed", SEED, "--recipe", "paper", "--save", floatWeights.toString());
    assertEquals("float", floatEpoch.get("engine").asText());
  }

  @Test
  void fixedEngineMatchesTheFloatEngineAtEveryLayer() throws Exception {
    JsonNode fixed = train("--layers", "784,128,34", "--seed", SEED, "--engine", "fixed");
    assertEquals("fixed", fixed.get("engine").asText());
    for (int k = 0; k < 2; k++) {
      double floatAccuracy = floatEpoch.get("layerAccuracy").get(k).asDouble();
      double fixedAccuracy = fixed.get("layerAccuracy").get(k).asDouble();
      assertTrue(floatAccuracy > 0.85, "float layer " + (k + 1) + ": " + floatEpoch);
      assertEquals(floatAccuracy, fixedAccuracy, TOLERANCE,
          "layer " + (k + 1) + ": float " + floatEpoch + ", fixed " + fixed);
    }
  }

  @Test
  void aFloatTrainedModelCompiledForTheDeviceKeepsImprovingThere() throws Exception {
    Path image = dir.resolve("float.img");
    spela("compile", "--from", floatWeights.toString(), "-o", image.toString());
    Path trained = dir.resolve("trained.img");
    // A new shuffle for the further epoch: another seed.
    JsonNode further = train("--engine", "fixed", "--init", image.toString(), "--seed", "6", "--save", trained.toString());
    for (int k = 0; k < 2; k++) {
      double before = floatEpoch.get("layerAccuracy").get(k).asDouble();
      double after = further.get("layerAccuracy").get(k).asDouble();
      assertTrue(after >= before, "layer " + (k + 1) + ": float " + before + ", then fixed " + after);
    }
    assertTrue(Files.size(trained) == Files.size(image), "same shape, same size");
  }
}
