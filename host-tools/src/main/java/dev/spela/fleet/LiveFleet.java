package dev.spela.fleet;

import dev.spela.protocols.fleet.DeathMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The monitor's picture of the fleet, which the terminal view, the live dashboard and the report
 * show: per device its latest BIRTH, record, state, image transfer and learning curves; the
 * alerts; the counts. Fed by {@link FleetMonitor} from the host's events and the store's commits.
 * Thread-safe (one lock); every change bumps a version so that pages fetch only what changed.
 */
public final class LiveFleet {

  static final int MAX_ALERTS = 200;

  private final String title;
  private final String store;
  private final ModelCatalogue models;
  private final Map<String, DeviceState> devices = new TreeMap<>();
  private final ArrayDeque<FleetSnapshot.Alert> alerts = new ArrayDeque<>();
  private long alertsRaised;
  private long stored;
  private long duplicates;
  private long gaps;
  private long version;

  /** What is known of one device. */
  private static final class DeviceState {
    DeviceView view;
    TelemetryRecord latest;
    int trainingState = -1;
    long lastSeenMs;
    long records;
    long lost;
    int deathReason = -1;
    FleetSnapshot.Flash flash;
    Curve curve = new Curve(null, 0);
    double[] heldOut;
  }

  /** How far one page has been brought up to date. */
  public static final class Cursor {
    private final Map<String, long[]> curves = new HashMap<>(); // device -> {generation, points sent}
    private long alerts;
    private long version = -1;
  }

  public LiveFleet(String title, String store, ModelCatalogue models) {
    this.title = title;
    this.store = store;
    this.models = models;
  }

  public ModelCatalogue models() {
    return models;
  }

  private DeviceState device(String id) {
    return devices.computeIfAbsent(id, d -> new DeviceState());
  }

  private void changed() {
    version++;
  }

  private void alert(String device, String kind, String text) {
    alerts.addLast(new FleetSnapshot.Alert(System.currentTimeMillis(), device, kind, text));
    alertsRaised++;
    if (alerts.size() > MAX_ALERTS) {
      alerts.removeFirst();
    }
  }

  // ------------------------------------------------------------------ events

  synchronized void birth(DeviceView view) {
    DeviceState d = device(view.id());
    DeviceView previous = d.view;
    if (previous != null && previous.bdSeq() == view.bdSeq() && previous.online()) {
      alert(view.id(), "rebirth", "sent its BIRTH again (session " + view.bdSeq() + ")");
    } else if (previous != null && previous.bdSeq() != view.bdSeq()) {
      alert(view.id(), "rebirth", "reconnected: session " + view.bdSeq() + ", boot " + view.bootCount());
    }
    d.view = view;
    d.deathReason = -1;
    d.trainingState = view.trainingState();
    d.lastSeenMs = System.currentTimeMillis();
    if (d.flash != null && d.flash.phase().equals("rebooting")) {
      d.flash = new FleetSnapshot.Flash(d.flash.transferId(), d.flash.offset(), d.flash.length(), "trial boot");
    } else if (view.pendingTransferId() != 0 && d.flash == null) {
      d.flash = new FleetSnapshot.Flash(view.pendingTransferId(), view.pendingOffset(), 0, "receiving");
    }
    String image = view.imageSha256().isEmpty() ? null : view.imageSha256();
    if (image != null && d.curve.image() == null) {
      d.curve.adopt(image); // records that came before the first BIRTH seen
    } else if (image != null && !image.equals(d.curve.image())) {
      d.curve = new Curve(image, d.curve.generation() + 1); // a new model learns from the start
      d.heldOut = null;
    }
    changed();
  }

  synchronized void death(DeviceView view, int reason) {
    DeviceState d = device(view.id());
    d.view = view;
    d.deathReason = reason;
    if (reason == DeathMessage.REBOOT && d.flash != null) {
      d.flash = new FleetSnapshot.Flash(d.flash.transferId(), d.flash.offset(), d.flash.length(), "rebooting");
    }
    d.lastSeenMs = System.currentTimeMillis();
    changed();
  }

  /** A record arrived (stored or not yet). */
  synchronized void received(TelemetryRecord record) {
    DeviceState d = device(record.device());
    boolean current = d.view == null || d.view.bdSeq() == record.bdSeq();
    if (current && (d.latest == null || d.latest.bdSeq() != record.bdSeq()
        || record.recordCounter() >= d.latest.recordCounter())) {
      d.latest = record;
      d.trainingState = record.trainingState();
    }
    d.lastSeenMs = System.currentTimeMillis();
    changed();
  }

  /** Records a batch committed that the store did not have (in the order given). */
  synchronized void stored(List<TelemetryRecord> fresh, int batch) {
    stored += fresh.size();
    duplicates += batch - fresh.size();
    for (TelemetryRecord record : fresh) {
      DeviceState d = device(record.device());
      d.records++;
      d.curve.add(record);
    }
    changed();
  }

  synchronized void evaluated(Evaluation evaluation) {
    DeviceState d = device(evaluation.device());
    double[] accuracy = new double[evaluation.accuracyQ15().length];
    for (int k = 0; k < accuracy.length; k++) {
      accuracy[k] = Curve.round(evaluation.accuracyQ15()[k] / 327.68);
    }
    d.heldOut = accuracy;
    d.curve.addHeldOut(new FleetSnapshot.HeldOut(evaluation.samplesSeen(), evaluation.evaluatedSamples(), accuracy));
    changed();
  }

  /** The device's current session (bdSeq), by its latest BIRTH or record; 0 if unknown. */
  synchronized long session(String device) {
    DeviceState d = devices.get(device);
    if (d == null) {
      return 0;
    }
    return d.view != null ? d.view.bdSeq() : d.latest != null ? d.latest.bdSeq() : 0;
  }

  /** The device's latest record, or null. */
  public synchronized TelemetryRecord latest(String device) {
    DeviceState d = devices.get(device);
    return d == null ? null : d.latest;
  }

  /** The device's training steps by its latest record or BIRTH (0 if unknown). */
  synchronized long samplesSeen(String device) {
    DeviceState d = devices.get(device);
    if (d == null) {
      return 0;
    }
    return Math.max(d.latest == null ? 0 : d.latest.samplesSeen(), d.view == null ? 0 : d.view.samplesSeen());
  }

  synchronized void blockRequest(String device, long transferId, long offset, long imageLength) {
    DeviceState d = device(device);
    long length = imageLength > 0 ? imageLength : d.flash != null && d.flash.transferId() == transferId
        ? d.flash.length() : 0;
    d.flash = new FleetSnapshot.Flash(transferId, offset, length, "receiving");
    d.lastSeenMs = System.currentTimeMillis();
    changed();
  }

  synchronized void verdict(String device, FleetHost.Verdict verdict) {
    DeviceState d = device(device);
    d.flash = null;
    if (!verdict.confirmed()) {
      alert(device, "image", "image " + verdict.describe()
          + (verdict.detail() != 0 ? " (detail " + verdict.detail() + ")" : ""));
    }
    changed();
  }

  synchronized void gap(String device, long bdSeq, int missing) {
    gaps += missing;
    alert(device, "gap", missing + " message(s) missing in session " + bdSeq + " (sequence gap)");
    changed();
  }

  /** Records missing from the store per device (by record counter), from the database. */
  synchronized void missing(Map<String, Long> missingByDevice) {
    for (Map.Entry<String, Long> e : missingByDevice.entrySet()) {
      DeviceState d = device(e.getKey());
      long now = e.getValue();
      if (now > d.lost) {
        alert(e.getKey(), "lost", (now - d.lost) + " more record(s) missing from the store (" + now + " in all)");
        d.lost = now;
        changed();
      }
    }
  }

  // ------------------------------------------------------------------ views

  public synchronized FleetSnapshot.Totals totals() {
    long lost = devices.values().stream().mapToLong(d -> d.lost).sum();
    return new FleetSnapshot.Totals(devices.size(), stored, duplicates, lost, gaps, alertsRaised);
  }

  public synchronized List<FleetSnapshot.DeviceRow> rows() {
    List<FleetSnapshot.DeviceRow> rows = new ArrayList<>();
    devices.forEach((id, d) -> rows.add(row(id, d)));
    return rows;
  }

  private FleetSnapshot.DeviceRow row(String id, DeviceState d) {
    DeviceView v = d.view;
    TelemetryRecord r = d.latest;
    String image = v == null ? "" : v.imageSha256();
    String board = v == null ? "?" : v.board();
    String model = models.shape(image);
    if (model == null) {
      model = v == null || v.layers() == 0 ? "-" : v.layers() + " layers, " + v.classes() + " classes";
    }
    double[] accuracy = new double[r == null ? 0 : r.layers().size()];
    for (int k = 0; k < accuracy.length; k++) {
      accuracy[k] = Curve.round(r.layers().get(k).accuracy() * 100);
    }
    return new FleetSnapshot.DeviceRow(id, board, model, state(d), epoch(d), image.isEmpty() ? "" : image.substring(0, 12),
        v != null ? v.layers() : accuracy.length, samplesSeenOf(d), models.stepMillis(board, image),
        r == null || r.stepMicros() == 0 ? null : r.stepMicros() / 1000.0, d.records, d.lost, d.lastSeenMs,
        v != null && v.online(), d.flash, accuracy, d.heldOut);
  }

  private static long samplesSeenOf(DeviceState d) {
    return Math.max(d.latest == null ? 0 : d.latest.samplesSeen(), d.view == null ? 0 : d.view.samplesSeen());
  }

  /** Flashing wins over the connection state: a device reboots into the image it received. */
  private static String state(DeviceState d) {
    if (d.flash != null) {
      FleetSnapshot.Flash f = d.flash;
      if (!f.phase().equals("receiving")) {
        return "flashing: " + f.phase();
      }
      return f.length() > 0
          ? String.format(Locale.ROOT, "flashing %d%%", f.offset() * 100 / f.length())
          : String.format(Locale.ROOT, "flashing (%d KiB in)", f.offset() / 1024);
    }
    if (d.view != null && !d.view.online()) {
      return switch (d.deathReason) {
        case DeathMessage.REBOOT -> "rebooting";
        case DeathMessage.SHUTDOWN -> "shut down";
        default -> "offline";
      };
    }
    return d.trainingState >= 0 && d.trainingState < DeviceView.TRAINING_STATES.length
        ? DeviceView.TRAINING_STATES[d.trainingState] : "?";
  }

  /** "epoch 2" for the epoch in progress; "1 epoch done" once training stopped. */
  private static String epoch(DeviceState d) {
    TelemetryRecord r = d.latest;
    if (r == null) {
      return "";
    }
    if (d.trainingState == 0) {
      return r.epoch() == 1 ? "1 epoch done" : r.epoch() + " epochs done";
    }
    return "epoch " + (r.epoch() + 1);
  }

  /** Everything, for a page that has nothing yet; moves the cursor to now. */
  public synchronized FleetSnapshot snapshot(Cursor cursor, boolean live) {
    Map<String, FleetSnapshot.Curves> curves = new LinkedHashMap<>();
    devices.forEach((id, d) -> {
      curves.put(id, d.curve.from(0));
      cursor.curves.put(id, new long[] {d.curve.generation(), d.curve.size(), d.curve.heldOutCount()});
    });
    cursor.alerts = alertsRaised;
    cursor.version = version;
    return new FleetSnapshot(title, store, System.currentTimeMillis(), live, totals(), rows(), List.copyOf(alerts),
        curves);
  }

  /** What changed since the cursor's last update, or null if nothing did; moves the cursor. */
  public synchronized FleetSnapshot.Update update(Cursor cursor) {
    if (cursor.version == version) {
      return null;
    }
    cursor.version = version;
    Map<String, FleetSnapshot.Curves> curves = new LinkedHashMap<>();
    devices.forEach((id, d) -> {
      long[] sent = cursor.curves.getOrDefault(id, new long[] {-1, 0, 0});
      int from = sent[0] == d.curve.generation() ? (int) sent[1] : 0;
      if (from < d.curve.size() || sent[0] != d.curve.generation() || sent[2] != d.curve.heldOutCount()) {
        curves.put(id, d.curve.from(from));
        cursor.curves.put(id, new long[] {d.curve.generation(), d.curve.size(), d.curve.heldOutCount()});
      }
    });
    List<FleetSnapshot.Alert> fresh = new ArrayList<>();
    long first = alertsRaised - alerts.size();
    long index = first;
    for (FleetSnapshot.Alert alert : alerts) {
      if (index++ >= cursor.alerts) {
        fresh.add(alert);
      }
    }
    cursor.alerts = alertsRaised;
    return new FleetSnapshot.Update(System.currentTimeMillis(), totals(), rows(), fresh, curves);
  }
}
