package dev.spela.fleet;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The monitor's live view on a terminal: one line per device, redrawn in place twice a second.
 * {@link #close()} draws the last frame and leaves the cursor below it, so whatever is printed
 * afterwards (the run's summary) is never drawn over.
 */
public final class TerminalView implements AutoCloseable {

  private final LiveFleet fleet;
  private final PrintStream screen;
  private final Thread painter;
  private int linesDrawn;
  private boolean closed;

  private TerminalView(LiveFleet fleet, PrintStream screen) {
    this.fleet = fleet;
    this.screen = screen;
    painter = new Thread(this::paintLoop, "monitor-view");
    painter.setDaemon(true);
  }

  /** Starts drawing on {@code screen}; null draws nothing (not a terminal). */
  public static TerminalView start(LiveFleet fleet, PrintStream screen) {
    TerminalView view = new TerminalView(fleet, screen);
    if (screen != null) {
      view.painter.start();
    }
    return view;
  }

  /** One line per device. */
  static List<String> lines(List<FleetSnapshot.DeviceRow> rows) {
    List<String> lines = new ArrayList<>();
    for (FleetSnapshot.DeviceRow row : rows) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-12s %-10s %-11s %-18s %-13s %,9d samples",
          row.id(), row.board(), row.model(), row.state(), row.epoch(), row.samplesSeen()));
      for (int k = 0; k < row.accuracy().length; k++) {
        line.append(String.format(Locale.ROOT, "  L%d %5.1f%%", k + 1, row.accuracy()[k]));
      }
      if (row.boardStepMs() != null) {
        line.append(String.format(Locale.ROOT, "  %.2f ms/step on the board", row.boardStepMs()));
      }
      if (row.reportedStepMs() != null) {
        line.append(String.format(Locale.ROOT, "  (%.2f ms reported)", row.reportedStepMs()));
      }
      if (row.lost() > 0) {
        line.append(String.format(Locale.ROOT, "  %d lost", row.lost()));
      }
      lines.add(line.toString());
    }
    return lines;
  }

  private void paintLoop() {
    while (true) {
      synchronized (this) {
        if (closed) {
          return;
        }
        paint();
      }
      try {
        TimeUnit.MILLISECONDS.sleep(500); // screen refresh rate, not synchronisation
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void paint() {
    List<String> lines = lines(fleet.rows());
    StringBuilder frame = new StringBuilder();
    if (linesDrawn > 0) {
      frame.append("\033[").append(linesDrawn).append('A');
    }
    for (String line : lines) {
      frame.append('\r').append(line).append("\033[K\n");
    }
    screen.print(frame);
    screen.flush();
    linesDrawn = lines.size();
  }

  /** Draws the last frame and stops: nothing is drawn after this returns. */
  @Override
  public void close() {
    if (screen == null) {
      return;
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      paint();
    }
    painter.interrupt();
  }
}
