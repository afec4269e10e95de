package dev.spela.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run's report: the dashboard page with its data embedded, one self-contained HTML file (no
 * network assets). Its curves, record counts and losses come from the telemetry database, so they
 * include what other collectors and earlier monitors of the run stored; device states and alerts
 * come from this monitor's live picture.
 */
public final class FleetReport {

  private FleetReport() {}

  /** Writes the report to {@code file} (atomically) and returns it. */
  public static Path write(Path file, LiveFleet fleet, TelemetryReader reader) throws IOException {
    String html = DashboardPage.report(snapshot(fleet, reader));
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, html, StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  static FleetSnapshot snapshot(LiveFleet fleet, TelemetryReader reader) throws IOException {
    FleetSnapshot live = fleet.snapshot(new LiveFleet.Cursor(), false);
    // Each device's curve follows the image of its latest session: a new image learns from the start.
    Map<String, String> sessionImage = new HashMap<>();
    Map<String, TelemetryReader.DeviceSession> latestSession = new TreeMap<>();
    for (TelemetryReader.DeviceSession s : reader.deviceSessions()) {
      sessionImage.put(s.device() + "/" + s.bdSeq(), s.imageSha256());
      latestSession.put(s.device(), s);
    }
    Map<String, Curve> curves = new TreeMap<>();
    Map<String, TelemetryRecord> lastRecord = new HashMap<>();
    reader.records(record -> {
      String current = latestSession.containsKey(record.device()) ? latestSession.get(record.device()).imageSha256()
          : null;
      String image = sessionImage.get(record.device() + "/" + record.bdSeq());
      if (image == null || current == null || image.equals(current)) {
        curves.computeIfAbsent(record.device(), d -> new Curve(current, 0)).add(record);
      }
      lastRecord.merge(record.device(), record, (a, b) -> b.samplesSeen() >= a.samplesSeen() ? b : a);
    });
    for (Evaluation e : reader.evaluations()) {
      double[] accuracy = new double[e.accuracyQ15().length];
      for (int k = 0; k < accuracy.length; k++) {
        accuracy[k] = Curve.round(e.accuracyQ15()[k] / 327.68);
      }
      curves.computeIfAbsent(e.device(), d -> new Curve(null, 0))
          .addHeldOut(new FleetSnapshot.HeldOut(e.samplesSeen(), e.evaluatedSamples(), accuracy));
    }
    Map<String, long[]> counts = new TreeMap<>(); // device -> {records, missing}
    for (TelemetryReader.SessionCount s : reader.sessions()) {
      long[] c = counts.computeIfAbsent(s.device(), d -> new long[2]);
      c[0] += s.records();
      c[1] += s.missing();
    }

    Map<String, FleetSnapshot.DeviceRow> rows = new TreeMap<>();
    live.devices().forEach(r -> rows.put(r.id(), r));
    for (String device : counts.keySet()) {
      rows.putIfAbsent(device, stored(device, latestSession.get(device), lastRecord.get(device)));
    }
    List<FleetSnapshot.DeviceRow> table = new ArrayList<>();
    long records = 0;
    long lost = 0;
    for (FleetSnapshot.DeviceRow r : rows.values()) {
      long[] c = counts.getOrDefault(r.id(), new long[2]);
      records += c[0];
      lost += c[1];
      table.add(new FleetSnapshot.DeviceRow(r.id(), r.board(), r.model(), r.state(), r.epoch(), r.image(), r.layers(),
          r.samplesSeen(), r.boardStepMs(), r.reportedStepMs(), c[0], c[1], r.lastSeenMs(), r.online(), r.flash(),
          r.accuracy(), r.heldOut()));
    }
    Map<String, FleetSnapshot.Curves> series = new LinkedHashMap<>();
    curves.forEach((device, curve) -> series.put(device, curve.from(0)));
    FleetSnapshot.Totals t = live.totals();
    return new FleetSnapshot(live.title(), live.store(), live.timeMs(), false,
        new FleetSnapshot.Totals(table.size(), records, t.duplicates(), lost, t.gaps(), t.alerts()), table,
        live.alerts(), series);
  }

  /** A device this monitor did not see: what the database knows of it. */
  private static FleetSnapshot.DeviceRow stored(
      String device, TelemetryReader.DeviceSession session, TelemetryRecord last) {
    int layers = last != null ? last.layers().size() : session != null ? session.layers() : 0;
    double[] accuracy = new double[last == null ? 0 : layers];
    for (int k = 0; k < accuracy.length; k++) {
      accuracy[k] = Curve.round(last.layers().get(k).accuracy() * 100);
    }
    String image = session == null || session.imageSha256().isEmpty() ? "" : session.imageSha256().substring(0, 12);
    return new FleetSnapshot.DeviceRow(device, session == null ? "?" : session.board(), layers + " layers",
        "not seen by this monitor", "", image, layers, last == null ? 0 : last.samplesSeen(), null,
        last == null ? null : last.stepMicros() / 1000.0, 0, 0, 0, false, null, accuracy, null);
  }
}
