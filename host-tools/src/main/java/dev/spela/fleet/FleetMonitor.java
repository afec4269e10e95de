package dev.spela.fleet;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * Collects telemetry into a {@link TelemetryStore} and keeps each device's latest state for a live
 * view: one progress line per device, redrawn in place on a terminal.
 */
public final class FleetMonitor implements FleetHost.Listener, AutoCloseable {

  private final TelemetryStore store;
  private final Map<String, DeviceView> devices = new ConcurrentHashMap<>();
  private final Map<String, TelemetryRecord> latest = new ConcurrentHashMap<>();
  private final PrintStream screen;
  private final Thread painter;
  private volatile int linesDrawn;
  private volatile boolean closed;

  /**
   * @param screen where to draw the live view (redrawn every half second), or null for none
   */
  public FleetMonitor(TelemetryStore store, PrintStream screen) {
    this.store = store;
    this.screen = screen;
    painter = new Thread(this::paintLoop, "monitor-view");
    painter.setDaemon(true);
    if (screen != null) {
      painter.start();
    }
  }

  @Override
  public void onBirth(DeviceView device) {
    devices.put(device.id(), device);
  }

  @Override
  public void onDeath(DeviceView device) {
    devices.put(device.id(), device);
  }

  @Override
  public void onTelemetry(TelemetryRecord record) {
    latest.merge(record.device(), record, (a, b) -> b.samplesSeen() >= a.samplesSeen() ? b : a);
    try {
      store.store(record);
    } catch (IOException e) {
      Logger.warn("cannot store telemetry of {}: {}", record.device(), e.getMessage());
    }
  }

  public TelemetryStore store() {
    return store;
  }

  /** The latest record of a device, or null. */
  public TelemetryRecord latest(String device) {
    return latest.get(device);
  }

  /** One line per device seen, sorted by id. */
  public List<String> lines() {
    List<String> ids = new ArrayList<>(devices.keySet());
    latest.keySet().stream().filter(id -> !devices.containsKey(id)).forEach(ids::add);
    ids.sort(null);
    List<String> lines = new ArrayList<>();
    for (String id : ids) {
      DeviceView device = devices.get(id);
      TelemetryRecord record = latest.get(id);
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-12s %-10s", id,
          device == null ? "?" : device.board()));
      if (device != null && !device.online()) {
        line.append(" offline ");
      } else if (record != null) {
        line.append(String.format(Locale.ROOT, " %-8s", DeviceView.TRAINING_STATES[Math.min(2, record.trainingState())]));
      } else {
        line.append(device == null ? " ?       " : String.format(Locale.ROOT, " %-8s", device.trainingStateName()));
      }
      if (record != null) {
        line.append(String.format(Locale.ROOT, " epoch %d %,9d samples", record.epoch(), record.samplesSeen()));
        for (int k = 0; k < record.layers().size(); k++) {
          line.append(String.format(Locale.ROOT, "  L%d %5.1f%%", k + 1, record.layers().get(k).accuracy() * 100));
        }
        line.append(String.format(Locale.ROOT, "  %.2f ms/step", record.stepMicros() / 1000.0));
      }
      lines.add(line.toString());
    }
    return lines;
  }

  private void paintLoop() {
    while (!closed) {
      paint();
      try {
        TimeUnit.MILLISECONDS.sleep(500); // screen refresh rate, not synchronisation
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private synchronized void paint() {
    List<String> lines = lines();
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

  /** Stops the live view, leaving its last frame on the screen. */
  @Override
  public void close() {
    closed = true;
    if (screen != null) {
      painter.interrupt();
      try {
        painter.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      paint();
    }
  }
}
