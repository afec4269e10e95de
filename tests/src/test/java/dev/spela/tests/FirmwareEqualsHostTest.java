package dev.spela.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.cli.Json;
import dev.spela.cli.SpelaCommand;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Same bytes, same numbers: the firmware for a Cortex-M4 board, run in QEMU, trains 784-32-34 (with
 * the cosine loss; and with the edge recipe's softmax loss over cosines, standardised inputs from
 * the image's statistics, its own cosine rate schedule and the combined-prediction flag) on the
 * first 300 MNIST samples in order and writes back exactly the image the host's fixed engine
 * writes when it replays the same image, samples and order, with the same held-out accuracy at
 * every layer. (784-128-34 is the benchmark's: boards/firmware/benchmark.sh.)
 */
class FirmwareEqualsHostTest {
  private static final String SAMPLES = "300";
  private static final String HELD_OUT = "100";

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"cosine", "edge"})
  void firmwareWritesTheImageTheHostReplayWrites(String loss) throws Exception {
    String mnist = RealDatasetsTest.sharedDatasets().resolve("mnist").toString();
    Path image = dir.resolve("model.img");
    if (loss.equals("cosine")) {
      spela("compile", "--layers", "784,32,34", "--seed", "3", "-o", image.toString());
    } else {
      // The edge recipe's model, from float weights (a few samples' worth) through compile --from, with
      // the schedule ending within the run (the last steps update nothing).
      Path weights = dir.resolve("edge.splw");
      spela("train", "--dataset", "mnist", "--data-dir", mnist, "--layers", "784,32,34", "--recipe", "edge",
          "--train-samples", "200", "--test-samples", "100", "--epochs", "1", "--seed", "3", "--threads", "1",
          "--save", weights.toString());
      spela("compile", "--from", weights.toString(), "--lr", "0.03", "--cosine-steps", "250", "--combined-prediction",
          "-o", image.toString());
    }

    // relative, as users type it: gcc and QEMU run inside the folder, so it must not matter
    Path firmware = Path.of("").toAbsolutePath().relativize(dir.resolve("fw"));
    spela("firmware", "build", "--board", "nrf52840", "--image", image.toString(),
        "--data-dir", mnist, "--samples", SAMPLES, "--held-out", HELD_OUT,
        "-o", firmware.toString());
    JsonNode device = Json.mapper().readTree(spela("firmware", "run", firmware.toString(), "--json"));

    Path replayed = dir.resolve("replayed.img");
    JsonNode host = Json.mapper().readTree(spela("train", "--dataset", "mnist", "--data-dir", mnist,
        "--engine", "fixed", "--init", image.toString(), "--in-order", "--epochs", "1",
        "--threads", "1", "--train-samples", SAMPLES, "--test-samples", HELD_OUT,
        "--save", replayed.toString(), "--json"));

    byte[] hostImage = Files.readAllBytes(replayed);
    assertEquals(sha256(hostImage), device.get("writtenImageSha256").asText(),
        "the image the firmware wrote (as it hashed it) differs from the host's replay");
    assertArrayEquals(hostImage, Files.readAllBytes(firmware.resolve("written.img")));
    assertEquals(host.get("layerAccuracy").toString(), device.get("layerAccuracy").toString(),
        "held-out accuracy per layer: host " + host + ", firmware " + device);
  }

  private static String spela(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(0, SpelaCommand.execute(out, err, args), String.join(" ", args) + ": " + err);
    return out.toString();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
