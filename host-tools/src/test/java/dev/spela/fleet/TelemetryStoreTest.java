package dev.spela.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TelemetryStoreTest {

  @TempDir Path run;

  private static TelemetryRecord record(String device, long bdSeq, long counter) {
    return new TelemetryRecord(device, "lab", bdSeq, counter, 1, 1_700_000_000_000L + counter, 100 * (counter + 1),
        0, 850, 90_112, 167_772,
        List.of(new TelemetryRecord.Layer(26_624, -16_384, 212_992), new TelemetryRecord.Layer(29_696, -23_552, 98_304)));
  }

  @Test
  void aRecordIsStoredOncePerDeviceSessionAndCounterWhicheverCollectorGetsIt() throws IOException {
    TelemetryStore first = new TelemetryStore(run);
    TelemetryStore second = new TelemetryStore(run); // another collector on the same run folder
    assertTrue(first.store(record("vd-1", 7, 0)));
    assertFalse(first.store(record("vd-1", 7, 0)), "a QoS 1 redelivery");
    assertFalse(second.store(record("vd-1", 7, 0)), "the other collector reads what the first wrote");
    assertTrue(second.store(record("vd-1", 7, 1)));
    assertFalse(first.store(record("vd-1", 7, 1)));
    assertTrue(first.store(record("vd-1", 8, 0)), "a new session numbers its records from 0 again");
    assertTrue(first.store(record("vd-2", 7, 0)));

    Map<String, List<TelemetryStore.Row>> rows = TelemetryStore.read(run);
    assertEquals(6, rows.get("vd-1").size(), "3 records of 2 layers");
    assertEquals(2, rows.get("vd-2").size());
    assertEquals(2, first.duplicates() + second.duplicates() - 1);
    TelemetryStore.Row row = rows.get("vd-1").get(1);
    assertEquals(7, row.bdSeq());
    assertEquals(1, row.layer());
    assertEquals(29_696, row.accuracyQ15());
    assertEquals(-23_552, row.lossQ15());
    assertEquals(98_304, row.weightNormQ16());
    assertEquals(1, Files.readAllLines(run.resolve("telemetry/vd-1.csv")).stream()
        .filter(l -> l.startsWith("device,")).count(), "one header");
  }

  @Test
  void theReportIsOneSelfContainedFileWithACurvePerDeviceAndLayer() throws IOException {
    TelemetryStore store = new TelemetryStore(run);
    for (int r = 0; r < 5; r++) {
      store.store(record("vd-1", 1, r));
    }
    Path report = FleetReport.write(run, "test <run>", List.of("vd-1 done"));
    String html = Files.readString(report);
    assertTrue(html.contains("test &lt;run&gt;"), "escaped title");
    assertEquals(2, html.split("<svg ", -1).length - 1, "accuracy and loss charts");
    assertEquals(4, html.split("<path ", -1).length - 1, "one curve per layer in each chart");
    assertFalse(html.contains("http://") && html.replace("http://www.w3.org/2000/svg", "").contains("http://"),
        "no network assets");
    assertFalse(Files.exists(run.resolve("report.html.tmp")));
  }
}
