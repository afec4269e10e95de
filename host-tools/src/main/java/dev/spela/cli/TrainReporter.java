package dev.spela.cli;

import dev.spela.train.EpochReport;
import dev.spela.train.Trainer;
import java.io.PrintWriter;
import java.util.Locale;

/** What {@code spela train} prints while it trains: a progress bar per epoch, then the epoch's results. */
final class TrainReporter implements Trainer.Listener {
  private final PrintWriter out;
  private final int epochs;
  private final boolean json;
  /** The number printed for answering layer k: k + 1, or for backpropagation the last layer's. */
  private final int onlyLayer;
  private ProgressBar bar;

  /**
   * @param onlyLayer the layer number of the only answering layer (backpropagation), or 0 when every
   *     layer answers
   */
  TrainReporter(PrintWriter out, int epochs, boolean json, int onlyLayer) {
    this.out = out;
    this.epochs = epochs;
    this.json = json;
    this.onlyLayer = onlyLayer;
  }

  @Override
  public void epochStarted(int epoch, int samples) {
    bar = new ProgressBar(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs), samples);
  }

  @Override
  public void progressed(int samples) {
    bar.advance(samples);
  }

  @Override
  public void epochFinished(EpochReport report) {
    bar.close();
    if (json) {
      out.println(Json.line(report));
    } else {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
          "epoch %d/%d  %.1f s  %,.0f samples/s  test accuracy:", report.epoch(), epochs,
          report.seconds(), report.samplesPerSecond()));
      double[] accuracy = report.layerAccuracy() != null ? report.layerAccuracy() : new double[0];
      if (accuracy.length == 0) {
        line.append(" (not tested)");
      }
      for (int k = 0; k < accuracy.length; k++) {
        line.append(String.format(Locale.ROOT, "  layer %d %.2f%%", onlyLayer > 0 ? onlyLayer : k + 1, 100 * accuracy[k]));
      }
      double[] combined = report.combinedAccuracy();
      if (combined != null && combined.length > 1) {
        line.append(String.format(Locale.ROOT, "  (layers combined %.2f%%)", 100 * combined[combined.length - 1]));
      }
      out.println(line);
    }
    out.flush();
  }
}
