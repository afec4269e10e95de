package dev.spela.fleet;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.BoardPlan;
import dev.spela.boards.BoardProfile;
import dev.spela.image.ImageFiles;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.runtime.MemoryPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.tinylog.Logger;

/**
 * The model images the host knows, by SHA-256: a device's BIRTH names only its image's digest and
 * its layer count, so the model's shape, and what a step of it costs on the device's board (the
 * board plan's time, {@link BoardPlan.Time}), come from the image file itself. Images are added
 * directly (the demo, which compiled them) or found in folders of {@code *.img} files, read again
 * at most every few seconds when a digest is not known yet.
 */
public final class ModelCatalogue {

  private static final long RESCAN_NANOS = 3_000_000_000L;
  /** Larger files in an image folder are not read: no board's flash holds them. */
  private static final int MAX_IMAGE_BYTES = 1 << 24;

  private final List<Path> folders;
  private final Map<String, MemoryPlan> plans = new ConcurrentHashMap<>();
  private volatile long lastScan = Long.MIN_VALUE;

  public ModelCatalogue(List<Path> folders) {
    this.folders = List.copyOf(folders);
  }

  /** Adds an image; ignores one that is not a valid model image. */
  public void add(byte[] image) {
    MemoryPlan plan = new MemoryPlan();
    if (plan.setFromImage(new ArrayFlash(image), 0, image.length) == ImageStatus.OK) {
      plans.put(ImageFiles.digest(image), plan);
    }
  }

  /** The model's layer widths, input first ({@code 784-128-34}), or null if the image is unknown. */
  public String shape(String sha256) {
    MemoryPlan plan = plan(sha256);
    if (plan == null) {
      return null;
    }
    StringBuilder shape = new StringBuilder(Integer.toString(plan.inputSize()));
    for (int k = 0; k < plan.layers(); k++) {
      shape.append('-').append(plan.outputs(k));
    }
    return shape.toString();
  }

  /**
   * Milliseconds one training step of the image's model takes on the board, from the board's MAC
   * rate and clock (the board plan), or null if the image or the board is unknown.
   */
  public Double stepMillis(String board, String sha256) {
    MemoryPlan plan = plan(sha256);
    if (plan == null) {
      return null;
    }
    try {
      BoardProfile profile = BoardCatalogue.standard().byId(board);
      return BoardPlan.of(profile, plan).time().trainStepMillis();
    } catch (NoSuchElementException e) {
      return null;
    }
  }

  private MemoryPlan plan(String sha256) {
    if (sha256 == null || sha256.isEmpty()) {
      return null;
    }
    MemoryPlan plan = plans.get(sha256);
    if (plan == null && System.nanoTime() - lastScan > RESCAN_NANOS) {
      lastScan = System.nanoTime();
      scan();
      plan = plans.get(sha256);
    }
    return plan;
  }

  private void scan() {
    for (Path folder : folders) {
      if (!Files.isDirectory(folder)) {
        continue;
      }
      List<Path> images;
      try (Stream<Path> files = Files.list(folder)) {
        images = files.filter(f -> f.toString().endsWith(".img")).toList();
      } catch (IOException e) {
        Logger.debug("listing images in {}: {}", folder, e.getMessage());
        continue;
      }
      for (Path image : images) {
        try {
          byte[] bytes = ImageFiles.read(image, MAX_IMAGE_BYTES);
          if (bytes.length <= MAX_IMAGE_BYTES) {
            add(bytes);
          }
        } catch (IOException e) {
          Logger.debug("reading image {}: {}", image, e.getMessage());
        }
      }
    }
  }
}
