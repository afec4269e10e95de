package dev.spela.boards;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.runtime.MemoryPlan;
import java.util.Arrays;

/**
 * The widest hidden layers a board can train: the largest H such that {@code inputs-H-outputs} (or
 * {@code inputs-H-H-outputs}, and so on) fits the board for a target, by its {@link BoardPlan}.
 */
public final class LargestModel {

  private LargestModel() {}

  /**
   * The largest hidden width H with {@code hiddenLayers} hidden layers of width H between {@code
   * inputs} and {@code outputs} that fits {@code board} for {@code target}, or 0 if not even H = 1
   * fits.
   */
  public static int hiddenWidth(
      BoardProfile board,
      BoardPlan.Target target,
      int inputs,
      int outputs,
      int classes,
      int hiddenLayers) {
    int low = 0; // fits (or 0)
    int high = ModelImage.MAX_WIDTH + 1; // does not fit
    while (high - low > 1) {
      int mid = (low + high) >>> 1;
      if (fits(board, target, shape(inputs, outputs, classes, hiddenLayers, mid))) {
        low = mid;
      } else {
        high = mid;
      }
    }
    return low;
  }

  /** The memory plan of {@code inputs-H-...-H-outputs}, or null if the image format cannot hold it. */
  public static MemoryPlan shape(
      int inputs, int outputs, int classes, int hiddenLayers, int width) {
    int[] widths = new int[hiddenLayers + 1];
    Arrays.fill(widths, width);
    widths[hiddenLayers] = outputs;
    MemoryPlan plan = new MemoryPlan();
    return plan.setShape(inputs, classes, widths, widths.length, 0L) == ImageStatus.OK
        ? plan
        : null;
  }

  private static boolean fits(BoardProfile board, BoardPlan.Target target, MemoryPlan plan) {
    return plan != null && BoardPlan.of(board, plan, target).fits();
  }
}
