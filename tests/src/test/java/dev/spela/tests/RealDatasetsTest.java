package dev.spela.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.cli.DatasetOptions;
import dev.spela.cli.Json;
import dev.spela.cli.SpelaCommand;
import dev.spela.data.Dataset;
import dev.spela.data.DatasetCatalogue;
import dev.spela.data.KnownDataset;
import dev.spela.data.Split;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fetches the real MNIST and Fashion-MNIST from the project's shared folder ({@code
 * ../shared/datasets} from the repository root, there for every developer and CI) into a temporary
 * cache, checking the published SHA-256 digests, and reads them back.
 */
class RealDatasetsTest {
  @TempDir Path cache;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  static Path sharedDatasets() {
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    Path shared = module.toAbsolutePath().getParent().resolve("../shared/datasets").normalize();
    assertTrue(
        Files.isDirectory(shared.resolve("mnist"))
            && Files.isDirectory(shared.resolve("fashion-mnist")),
        "the real datasets must be in "
            + shared
            + " (../shared/datasets from the repository root)");
    return shared;
  }

  private DatasetCatalogue catalogue() {
    return new DatasetCatalogue(cache, DatasetCatalogue.publishedSha256());
  }

  private int spela(String... args) {
    return SpelaCommand.execute(DatasetOptions.factory(catalogue()), out, err, args);
  }

  private Dataset fetchAndLoad(KnownDataset known) throws Exception {
    Path source = sharedDatasets().resolve(known.id());
    assertEquals(
        0, spela("data", "fetch", known.id(), "--from", source.toString()), err.toString());
    Dataset dataset = catalogue().load(known);
    assertEquals(60000, dataset.train().count());
    assertEquals(10000, dataset.test().count());
    assertEquals(28, dataset.train().rows());
    assertEquals(28, dataset.train().cols());
    assertEquals(10, dataset.numClasses());
    return dataset;
  }

  private static int countOf(Split split, int label) {
    int count = 0;
    for (int i = 0; i < split.count(); i++) {
      count += split.label(i) == label ? 1 : 0;
    }
    return count;
  }

  /** The mean of all training pixels in [0,1], a widely published normalisation constant. */
  private static double meanPixel(Split split) {
    double sum = 0;
    for (float value : split.toFloats()) {
      sum += value;
    }
    return sum / ((double) split.count() * split.pixelsPerSample());
  }

  @Test
  void mnist() throws Exception {
    Dataset mnist = fetchAndLoad(KnownDataset.MNIST);

    assertEquals(5, mnist.train().label(0));
    assertEquals(7, mnist.test().label(0));
    assertEquals(6742, countOf(mnist.train(), 1));
    assertEquals(0.1307, meanPixel(mnist.train()), 1e-4);
  }

  @Test
  void fashionMnist() throws Exception {
    Dataset fashion = fetchAndLoad(KnownDataset.FASHION_MNIST);

    assertEquals(9, fashion.train().label(0));
    assertEquals(9, fashion.test().label(0));
    for (int label = 0; label < 10; label++) {
      assertEquals(6000, countOf(fashion.train(), label));
      assertEquals(1000, countOf(fashion.test(), label));
    }
    assertEquals(0.2860, meanPixel(fashion.train()), 1e-4);
  }

  @Test
  void listShowsBothCached() throws Exception {
    for (KnownDataset known : KnownDataset.values()) {
      catalogue().install(known, sharedDatasets().resolve(known.id()));
    }

    assertEquals(0, spela("data", "list", "--json"));

    String[] lines = out.toString().split("\n");
    assertEquals(2, lines.length);
    for (String line : lines) {
      JsonNode entry = Json.mapper().readTree(line);
      assertTrue(entry.get("cached").asBoolean(), line);
      assertEquals(60000, entry.get("train").asInt());
      assertEquals(10000, entry.get("test").asInt());
    }
  }
}
