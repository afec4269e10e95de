package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.data.Dataset;
import dev.spela.data.DatasetCatalogue;
import dev.spela.data.Fixture;
import dev.spela.data.KnownDataset;
import dev.spela.data.StandardFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class DataCommandTest {
  @TempDir Path cache;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private DatasetCatalogue catalogue(Map<StandardFile, String> mnistDigests) {
    return new DatasetCatalogue(cache, Fixture.table(KnownDataset.MNIST, mnistDigests));
  }

  private int run(DatasetCatalogue catalogue, String... args) {
    return SpelaCommand.execute(DatasetOptions.factory(catalogue), out, err, args);
  }

  @Test
  void fetchFromAFolderCachesTheDataset() {
    int exit =
        run(
            catalogue(Fixture.sha256()),
            "data",
            "fetch",
            "mnist",
            "--from",
            Fixture.dir().toString());

    assertEquals(0, exit, err.toString());
    Path location = cache.resolve("datasets/mnist");
    assertEquals(
        "mnist: 12 train and 6 test images of 28x28, 10 classes, cached in " + location + "\n",
        out.toString());
    assertTrue(Files.isRegularFile(location.resolve("train-images-idx3-ubyte.gz")));
    assertTrue(Files.isRegularFile(location.resolve("train-labels-idx1-ubyte")));

    out.getBuffer().setLength(0);
    assertEquals(0, run(catalogue(Fixture.sha256()), "data", "fetch", "mnist"));
    assertEquals(
        "mnist is already cached in " + location + " (--force fetches it again, --from DIR installs"
            + " DIR's files)\n",
        out.toString());
  }

  @Test
  void fetchFromAFolderReplacesACachedCopyOnlyWithFilesThatVerify() {
    DatasetCatalogue catalogue = catalogue(Fixture.sha256());
    assertEquals(0, run(catalogue, "data", "fetch", "mnist", "--from", Fixture.dir().toString()));
    Path location = cache.resolve("datasets/mnist");

    out.getBuffer().setLength(0);
    assertEquals(0, run(catalogue, "data", "fetch", "mnist", "--from", Fixture.dir().toString()), err.toString());
    assertEquals(
        "mnist: 12 train and 6 test images of 28x28, 10 classes, cached in " + location
            + " (replacing the copy cached before)\n",
        out.toString());

    out.getBuffer().setLength(0);
    assertEquals(1, run(catalogue, "data", "fetch", "mnist", "--from", "/nowhere"));
    assertTrue(err.toString().startsWith("spela: /nowhere: no such folder"), err.toString());
    assertEquals("", out.toString());
    assertTrue(catalogue.status(KnownDataset.MNIST).cached(), "the cached copy stays");
  }

  @Test
  void fetchWithAChecksumMismatchFailsInOneLineAndCachesNothing() {
    Map<StandardFile, String> wrong = new EnumMap<>(Fixture.sha256());
    wrong.put(StandardFile.TRAIN_LABELS, "0".repeat(64));

    int exit = run(catalogue(wrong), "data", "fetch", "mnist", "--from", Fixture.dir().toString());

    assertEquals(1, exit);
    String message =
        err.toString().lines().filter(l -> l.startsWith("spela: ")).findFirst().orElseThrow();
    assertEquals(
        "spela: "
            + Fixture.dir().resolve("train-labels-idx1-ubyte")
            + ": SHA-256 of the uncompressed content is "
            + Fixture.sha256().get(StandardFile.TRAIN_LABELS)
            + ", expected "
            + "0".repeat(64),
        message);
    assertFalse(err.toString().contains("\tat "), "no stack trace");
    assertFalse(Files.exists(cache.resolve("datasets/mnist")));
    assertEquals("", out.toString());
  }

  @Test
  void fetchOfAnUnknownDatasetIsAUsageError() {
    assertEquals(2, run(catalogue(Fixture.sha256()), "data", "fetch", "kmnist"));
    assertTrue(
        err.toString()
            .startsWith("spela: unknown dataset 'kmnist' (known: mnist, fashion-mnist)\n"),
        err.toString());
  }

  @Test
  void listShowsWhatIsCached() throws Exception {
    DatasetCatalogue catalogue = catalogue(Fixture.sha256());
    catalogue.install(KnownDataset.MNIST, Fixture.dir());

    assertEquals(0, run(catalogue, "data", "list"));
    String[] lines = out.toString().split("\n");
    assertEquals(3, lines.length, out.toString());
    assertTrue(lines[0].startsWith("DATASET"), lines[0]);
    assertTrue(
        lines[1].matches("mnist +yes +12 +6 +0\\.0 MB +" + cache.resolve("datasets/mnist")),
        lines[1]);
    assertTrue(
        lines[2].matches("fashion-mnist +no +- +- +- +" + cache.resolve("datasets/fashion-mnist")),
        lines[2]);

    out.getBuffer().setLength(0);
    assertEquals(0, run(catalogue, "data", "list", "--json"));
    String[] json = out.toString().split("\n");
    assertEquals(2, json.length);
    JsonNode mnist = Json.mapper().readTree(json[0]);
    assertEquals("mnist", mnist.get("name").asText());
    assertTrue(mnist.get("cached").asBoolean());
    assertEquals(12, mnist.get("train").asInt());
    assertEquals(6, mnist.get("test").asInt());
    assertTrue(mnist.get("bytes").asLong() > 0);
    assertEquals(cache.resolve("datasets/mnist").toString(), mnist.get("location").asText());
    JsonNode fashion = Json.mapper().readTree(json[1]);
    assertEquals("fashion-mnist", fashion.get("name").asText());
    assertFalse(fashion.get("cached").asBoolean());
    assertTrue(fashion.get("train").isNull());
  }

  @Test
  void helpShowsExamples() {
    assertEquals(0, run(catalogue(Fixture.sha256()), "data", "fetch", "--help"));
    assertTrue(out.toString().contains("Examples:"));
    assertTrue(out.toString().contains("spela data fetch mnist --from"));
  }

  /** A command as the trainer will write one: DatasetOptions as a mixin. */
  @Command(name = "probe")
  static final class Probe {
    @Mixin DatasetOptions dataset;
  }

  private static DatasetOptions parse(DatasetCatalogue catalogue, String... args) {
    Probe probe = new Probe();
    new CommandLine(probe, DatasetOptions.factory(catalogue)).parseArgs(args);
    return probe.dataset;
  }

  @Test
  void datasetOptionsReadTheCacheOrAFolder() throws Exception {
    DatasetCatalogue catalogue = catalogue(Fixture.sha256());

    CliException missing =
        assertThrows(CliException.class, () -> parse(catalogue, "--dataset", "mnist").load());
    assertEquals(SpelaCommand.EXIT_FAILURE, missing.exitCode());
    assertTrue(
        missing.getMessage().contains("run 'spela data fetch mnist' or pass --data-dir DIR"));

    catalogue.install(KnownDataset.MNIST, Fixture.dir());
    Dataset cached = parse(catalogue, "--dataset", "mnist").load();
    assertEquals(Fixture.TRAIN, cached.train().count());

    Dataset other =
        parse(catalogue, "--dataset", "kmnist", "--data-dir", Fixture.dir().toString()).load();
    assertEquals("kmnist", other.name());
    assertEquals(Fixture.TEST, other.test().count());

    CliException unknown =
        assertThrows(CliException.class, () -> parse(catalogue, "--dataset", "kmnist").load());
    assertEquals(SpelaCommand.EXIT_USAGE, unknown.exitCode());

    CliException bad =
        assertThrows(
            CliException.class,
            () ->
                parse(catalogue, "--dataset", "x", "--data-dir", cache.resolve("none").toString())
                    .load());
    assertEquals(cache.resolve("none") + ": no such folder", bad.getMessage());
  }
}
