package dev.spela.fleet;

import java.util.List;
import java.util.Map;

/**
 * What the dashboard shows, as its page receives it (JSON): the fleet table, the alerts and each
 * device's learning curves. The live page gets one snapshot, then {@link Update}s; the report
 * embeds one snapshot. Layers are numbered from 1; accuracies are percentages.
 *
 * @param live true for the live page (times are shown relative to now), false for a report
 */
public record FleetSnapshot(
    String title, String store, long timeMs, boolean live, Totals totals, List<DeviceRow> devices,
    List<Alert> alerts, Map<String, Curves> curves) {

  /**
   * Whole-fleet counts. {@code records}, {@code duplicates}: stored by this collector, and refused
   * as already stored; {@code lost}: records missing from the store, by record counter; {@code
   * gaps}: messages missing by sequence number, as this host saw them; {@code alerts} raised.
   */
  public record Totals(int devices, long records, long duplicates, long lost, long gaps, long alerts) {}

  /**
   * One line of the fleet table.
   *
   * @param state what the device does: training, paused, stopped, flashing (with its progress),
   *     rebooting, shut down, offline (connection lost)
   * @param epoch the epoch label ("epoch 2" while training, "1 epoch done" once stopped)
   * @param boardStepMs time of one training step on the device's board, from the board plan of
   *     its model; null if the model is unknown
   * @param reportedStepMs the step time the device reports (host time on a virtual device)
   * @param lastSeenMs when the host last heard from it (host clock)
   */
  public record DeviceRow(
      String id, String board, String model, String state, String epoch, String image, int layers,
      long samplesSeen, Double boardStepMs, Double reportedStepMs, long records, long lost, long lastSeenMs,
      boolean online, Flash flash, double[] accuracy, double[] heldOut) {}

  /**
   * An image transfer in progress: {@code offset} bytes of {@code length} received ({@code length}
   * 0 when another host program serves it).
   */
  public record Flash(long transferId, long offset, long length, String phase) {}

  /** Something the operator should know: a sequence gap, lost records, a rebirth, a refused image. */
  public record Alert(long timeMs, String device, String kind, String text) {}

  /**
   * A device's curves over samples seen, one point per stored record; {@code from} is the index of
   * the first point sent (0 for a whole series).
   */
  public record Curves(
      long generation, int from, int layers, long[] samples, Double[][] accuracy, Double[][] loss,
      List<HeldOut> heldOut) {}

  /** A held-out evaluation on the charts: at {@code samples} training steps, accuracy per layer. */
  public record HeldOut(long samples, long evaluatedSamples, double[] accuracy) {}

  /** What changed since a client's last update. */
  public record Update(
      long timeMs, Totals totals, List<DeviceRow> devices, List<Alert> alerts, Map<String, Curves> curves) {}
}
