package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.fleet.FleetHost;
import dev.spela.fleet.FleetMonitor;
import dev.spela.fleet.FleetReport;
import dev.spela.fleet.FleetSnapshot;
import dev.spela.fleet.LiveFleet;
import dev.spela.fleet.ModelCatalogue;
import dev.spela.fleet.TelemetryReader;
import dev.spela.fleet.TelemetryRecord;
import dev.spela.fleet.TelemetryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * True loss accounting (issue 8, item 5): records that never arrive are counted from the record
 * counter, per device and session, whether the device skipped them (its window of publishes was
 * full: no sequence number is used, so no sequence gap shows) or the network lost them (a gap in
 * the sequence too). The dashboard's table and totals and the report show the count.
 */
class LossAccountingTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void lostRecordsAreCountedFromTheRecordCounterAndShownOnTheDashboardAndTheReport(@TempDir Path dir)
      throws Exception {
    Path run = Files.createDirectories(dir.resolve("run"));
    Set<Long> skipped = Set.of(10L, 11L, 12L, 300L); // device 1 skipped them (window full)
    long lostInTransit = 77; // device 2's record 77 was lost on the way
    int records = 400; // beyond 256: the 8-bit seq wraps, the record counter does not
    // Plain MQTT on purpose: FakeFleet publishes as two devices on one connection, which the fleet's
    // per-device policy refuses; the loss arithmetic is the same on a secured broker.
    try (Mosquitto broker = Mosquitto.start(dir);
        TelemetryStore store = TelemetryStore.open(TelemetryStore.sqliteUrl(run))) {
      LiveFleet fleet = new LiveFleet("loss test", store.url(), new ModelCatalogue(List.of()));
      AtomicLong received = new AtomicLong();
      FleetHost.Listener counter = new FleetHost.Listener() {
        @Override
        public void onTelemetry(TelemetryRecord record) {
          received.incrementAndGet();
        }
      };
      try (FleetMonitor monitor = new FleetMonitor(store, fleet, false);
          FleetHost host =
              FleetHost.open(broker.url(), "loss-host", FleetHost.Options.primary(true, null), monitor, counter);
          FakeFleet devices = new FakeFleet(broker.url(), "loss", 2)) {
        devices.birth();
        assertTrue(host.await(h -> h.devices().size() == 2, WAIT));
        for (long r = 0; r < records; r++) {
          if (!skipped.contains(r)) {
            devices.data(0, r);
          }
          if (r == lostInTransit) {
            devices.lostInTransit(1);
          } else {
            devices.data(1, r);
          }
        }
        long expected = 2L * records - skipped.size() - 1;
        assertTrue(host.await(h -> received.get() == expected, WAIT), "received: " + received);
        assertTrue(monitor.flush(WAIT.toMillis()), "stored and counted");
        assertEquals(expected, fleet.totals().records());

        FleetSnapshot.Totals totals = fleet.totals();
        assertEquals(skipped.size() + 1, totals.lost(), "lost records, from the record counter");
        assertEquals(1, totals.gaps(), "only the loss in transit shows as a sequence gap");
        Map<String, Long> lostByDevice = fleet.rows().stream()
            .collect(Collectors.toMap(FleetSnapshot.DeviceRow::id, FleetSnapshot.DeviceRow::lost));
        assertEquals(Map.of(devices.id(0), (long) skipped.size(), devices.id(1), 1L), lostByDevice);
        FleetSnapshot snapshot = fleet.snapshot(new LiveFleet.Cursor(), true);
        assertTrue(snapshot.alerts().stream().anyMatch(a -> a.kind().equals("lost") && a.device().equals(devices.id(0))
            && a.text().contains("(4 in all)")), "alerts: " + snapshot.alerts());
        assertTrue(snapshot.alerts().stream().anyMatch(a -> a.kind().equals("gap") && a.device().equals(devices.id(1))),
            "alerts: " + snapshot.alerts());

        try (TelemetryReader reader = store.reader()) {
          Path report = FleetReport.write(run.resolve("report.html"), fleet, reader);
          String html = Files.readString(report);
          assertTrue(html.contains("\"lost\":" + (skipped.size() + 1) + ","), "the report's totals");
          assertTrue(html.contains("\"id\":\"" + devices.id(0) + "\""), "the report's table");
        }
      }
    }
  }
}
