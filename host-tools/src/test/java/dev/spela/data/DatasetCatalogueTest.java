package dev.spela.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetCatalogueTest {
  @TempDir Path cache;
  @TempDir Path source;

  private DatasetCatalogue catalogue(Map<StandardFile, String> mnistDigests) {
    return new DatasetCatalogue(cache, Fixture.table(KnownDataset.MNIST, mnistDigests));
  }

  @Test
  void cacheRootFollowsSpelaCacheThenXdgThenHome() {
    Path home = Path.of("/home/ada");
    assertEquals(
        Path.of("/data/spela"),
        DatasetCatalogue.cacheRoot(
            Map.of("SPELA_CACHE", "/data/spela", "XDG_CACHE_HOME", "/x"), home));
    assertEquals(
        Path.of("/x/spela"), DatasetCatalogue.cacheRoot(Map.of("XDG_CACHE_HOME", "/x"), home));
    assertEquals(
        Path.of("/home/ada/.cache/spela"),
        DatasetCatalogue.cacheRoot(Map.of("SPELA_CACHE", " ", "XDG_CACHE_HOME", "relative"), home));
  }

  @Test
  void installsVerifiedFilesAndLoadsThemBack() throws Exception {
    DatasetCatalogue catalogue = catalogue(Fixture.sha256());
    assertFalse(catalogue.status(KnownDataset.MNIST).cached());

    Dataset installed = catalogue.install(KnownDataset.MNIST, Fixture.dir());

    Path location = cache.resolve("datasets/mnist");
    assertEquals(location, catalogue.location(KnownDataset.MNIST));
    assertEquals(List.of(location), children(cache.resolve("datasets")), "no staging left over");
    Dataset loaded = catalogue.load(KnownDataset.MNIST);
    assertEquals("mnist", loaded.name());
    assertArrayEquals(installed.train().pixels(), loaded.train().pixels());
    assertArrayEquals(installed.test().labels(), loaded.test().labels());
    DatasetCatalogue.Status status = catalogue.status(KnownDataset.MNIST);
    assertTrue(status.cached());
    assertEquals(Fixture.TRAIN, status.trainCount());
    assertEquals(Fixture.TEST, status.testCount());
    assertEquals(sizeOf(Fixture.dir()), status.bytes());
    assertNull(status.problem());
  }

  @Test
  void aChecksumMismatchCachesNothing() throws Exception {
    Map<StandardFile, String> wrong = new EnumMap<>(Fixture.sha256());
    wrong.put(StandardFile.TRAIN_IMAGES, "ab".repeat(32));

    DatasetException e =
        assertThrows(
            DatasetException.class,
            () -> catalogue(wrong).install(KnownDataset.MNIST, Fixture.dir()));

    assertTrue(
        e.getMessage()
            .startsWith(Fixture.dir().resolve("train-images-idx3-ubyte.gz") + ": SHA-256 of"),
        e.getMessage());
    assertFalse(catalogue(wrong).status(KnownDataset.MNIST).cached());
    assertTrue(
        !Files.exists(cache.resolve("datasets")) || children(cache.resolve("datasets")).isEmpty());
  }

  @Test
  void theRealDigestsRejectTheFixture() {
    DatasetCatalogue real = new DatasetCatalogue(cache, DatasetCatalogue.publishedSha256());
    DatasetException e =
        assertThrows(DatasetException.class, () -> real.install(KnownDataset.MNIST, Fixture.dir()));
    assertTrue(
        e.getMessage()
            .contains(
                "expected " + KnownDataset.MNIST.publishedSha256().get(StandardFile.TRAIN_IMAGES)),
        e.getMessage());
  }

  @Test
  void aFailedReinstallKeepsWhatWasCached() throws Exception {
    catalogue(Fixture.sha256()).install(KnownDataset.MNIST, Fixture.dir());
    Fixture.copyTo(source);
    Fixture.replace(source, StandardFile.TEST_LABELS, Fixture.labels(Fixture.TEST));

    assertThrows(
        DatasetException.class,
        () -> catalogue(Fixture.sha256()).install(KnownDataset.MNIST, source));

    assertEquals(
        Fixture.testLabel(1), catalogue(Fixture.sha256()).load(KnownDataset.MNIST).test().label(1));
  }

  @Test
  void aReinstallReplacesWhatWasCached() throws Exception {
    DatasetCatalogue catalogue = catalogue(Fixture.sha256());
    catalogue.install(KnownDataset.MNIST, Fixture.dir());
    Fixture.copyTo(source);
    // The same content, now all raw: the new copy replaces the old one, .gz files and all.
    for (StandardFile file : StandardFile.values()) {
      Path gz = source.resolve(file.fileName() + ".gz");
      if (Files.exists(gz)) {
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(gz))) {
          Fixture.replace(source, file, in.readAllBytes());
        }
      }
    }

    catalogue.install(KnownDataset.MNIST, source);

    Path location = catalogue.location(KnownDataset.MNIST);
    assertEquals(List.of(location), children(cache.resolve("datasets")));
    try (Stream<Path> files = Files.list(location)) {
      assertTrue(files.noneMatch(f -> f.toString().endsWith(".gz")));
    }
    assertEquals(Fixture.TRAIN, catalogue.load(KnownDataset.MNIST).train().count());
  }

  @Test
  void loadingAnUncachedDatasetSaysHowToFetchIt() {
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () -> catalogue(Fixture.sha256()).load(KnownDataset.FASHION_MNIST));
    assertEquals(
        "fashion-mnist is not in the dataset cache ("
            + cache.resolve("datasets/fashion-mnist")
            + "): run 'spela data fetch fashion-mnist' or pass --data-dir DIR",
        e.getMessage());
  }

  @Test
  void aDamagedCacheIsReportedNotLoaded() throws Exception {
    DatasetCatalogue catalogue = catalogue(Fixture.sha256());
    catalogue.install(KnownDataset.MNIST, Fixture.dir());
    Path labels = catalogue.location(KnownDataset.MNIST).resolve("train-labels-idx1-ubyte");
    Files.write(labels, new byte[] {0, 0, 8});

    DatasetException e =
        assertThrows(DatasetException.class, () -> catalogue.load(KnownDataset.MNIST));
    assertEquals(
        labels
            + ": truncated: too short for an IDX header; run 'spela data fetch mnist --force' to"
            + " fetch it again",
        e.getMessage());
    Files.write(
        catalogue.location(KnownDataset.MNIST).resolve("t10k-images-idx3-ubyte"),
        new byte[] {1, 2, 3, 4});
    DatasetCatalogue.Status status = catalogue.status(KnownDataset.MNIST);
    assertFalse(status.cached());
    assertTrue(status.problem().contains("not an IDX file"), status.problem());
  }

  @Test
  void everyDatasetNeedsEveryDigest() {
    Map<StandardFile, String> three = new EnumMap<>(Fixture.sha256());
    three.remove(StandardFile.TEST_LABELS);
    assertThrows(IllegalArgumentException.class, () -> catalogue(three));
  }

  private static List<Path> children(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }

  private static long sizeOf(Path dir) throws IOException {
    long size = 0;
    for (Path file : children(dir)) {
      size += Files.size(file);
    }
    return size;
  }
}
