package dev.spela.cli;

import java.io.PrintStream;
import java.time.Duration;

/**
 * A one-line progress bar with rate and ETA, redrawn in place on stderr at most a few times a
 * second. It draws only when stderr is a terminal, so logs and pipes stay clean.
 */
public final class ProgressBar implements AutoCloseable {
  private static final long REDRAW_NANOS = 200_000_000L;
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final boolean enabled;
  private final String label;
  private final long total;
  private final long startNanos = System.nanoTime();
  /** The first draw waits a redraw period too, so that the rate and ETA mean something. */
  private long lastDrawNanos = startNanos;
  private long done;

  public ProgressBar(String label, long total) {
    this(label, total, System.err, System.console() != null);
  }

  ProgressBar(String label, long total, PrintStream out, boolean enabled) {
    this.label = label;
    this.total = Math.max(1, total);
    this.out = out;
    this.enabled = enabled;
  }

  /** Records that {@code count} more units are done. */
  public void advance(long count) {
    done += count;
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDrawNanos >= REDRAW_NANOS) {
      lastDrawNanos = now;
      draw(now);
    }
  }

  private void draw(long now) {
    double seconds = (now - startNanos) / 1e9;
    double fraction = Math.min(1.0, done / (double) total);
    int filled = (int) Math.round(fraction * WIDTH);
    double rate = seconds > 0 ? done / seconds : 0;
    long etaSeconds = rate > 0 ? Math.round((total - done) / rate) : 0;
    out.printf(
        "\r%s [%s%s] %3.0f%% %,.0f/s ETA %s ",
        label,
        "#".repeat(filled),
        " ".repeat(WIDTH - filled),
        fraction * 100,
        rate,
        formatDuration(Duration.ofSeconds(etaSeconds)));
    out.flush();
  }

  static String formatDuration(Duration duration) {
    long s = duration.getSeconds();
    return s >= 3600
        ? String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
        : String.format("%d:%02d", s / 60, s % 60);
  }

  /** Clears the bar's line. */
  @Override
  public void close() {
    if (enabled) {
      out.print("\r" + " ".repeat(label.length() + WIDTH + 40) + "\r");
      out.flush();
    }
  }
}
