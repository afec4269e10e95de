package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.fleet.TelemetryReader;
import dev.spela.fleet.TelemetryRecord;
import dev.spela.fleet.TelemetryStore;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The telemetry database on a real PostgreSQL server: the same idempotent store, and collectors
 * in separate processes sharing one MQTT subscription ({@code --shared}) into one database, with
 * every record stored exactly once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresTelemetryTest {

  private Postgres postgres;
  private Mosquitto mosquitto;

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    postgres = Postgres.start(false);
    mosquitto = Mosquitto.start(dir);
  }

  @AfterAll
  void tearDown() {
    if (mosquitto != null) {
      mosquitto.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  private static TelemetryRecord record(String device, long bdSeq, long counter) {
    return new TelemetryRecord(device, "lab", "", bdSeq, bdSeq, counter, 1, 1_700_000_000_000L + counter, 100 * (counter + 1),
        0, 850, 90_112, 167_772, List.of(new TelemetryRecord.Layer(26_624, -16_384, 212_992)));
  }

  @Test
  void twoStoresOnOneDatabaseKeepEachRecordOnceAndCountWhatIsMissing() throws Exception {
    try (TelemetryStore first = TelemetryStore.open(postgres.url());
        TelemetryStore second = TelemetryStore.open(postgres.url()); // migrated already: Flyway does nothing
        TelemetryReader reader = first.reader()) {
      assertTrue(first.store(record("pg-1", 5, 0)));
      assertFalse(second.store(record("pg-1", 5, 0)));
      assertEquals(List.of(true, false, true), List.of(box(second.storeAll(
          List.of(record("pg-1", 5, 3), record("pg-1", 5, 3), record("pg-1", 6, 0))))));
      // The other test shares the database: look at this test's device only.
      assertEquals(List.of(record("pg-1", 5, 0), record("pg-1", 5, 3), record("pg-1", 6, 0)),
          reader.records().stream().filter(r -> r.device().equals("pg-1")).toList());
      assertEquals(List.of(new TelemetryReader.SessionCount("pg-1", "", 5, 2, 3),
          new TelemetryReader.SessionCount("pg-1", "", 6, 1, 0)),
          reader.sessions().stream().filter(s -> s.device().equals("pg-1")).toList());
      assertEquals(2, reader.missingByDevice().get("pg-1"), "records 1 and 2 of session 5");
    }
  }

  private static Boolean[] box(boolean[] values) {
    Boolean[] boxed = new Boolean[values.length];
    for (int k = 0; k < values.length; k++) {
      boxed[k] = values[k];
    }
    return boxed;
  }

  @Test
  void twoCollectorsInTwoProcessesShareOneSubscriptionIntoOneDatabase(@TempDir Path dir) throws Exception {
    int devices = 4;
    int records = 500;
    // Plain MQTT on purpose: FakeFleet publishes as many devices on one connection (see
    // MonitorCrashScenarios).
    String[] common = {"monitor", "--insecure", "--broker", mosquitto.url(), "--host-id", "pg-host", "--store", postgres.url(),
        "--shared", "collectors", "--session-expiry", "0"};
    try (SpelaProcess first = SpelaProcess.start(dir, "first", with(common, "--client-id", "collector-1",
            "--run", dir.resolve("first").toString()));
        SpelaProcess second = SpelaProcess.start(dir, "second", with(common, "--client-id", "collector-2",
            "--run", dir.resolve("second").toString()))) {
      first.awaitLine("monitoring ", FakeFleet.WAIT_SECONDS);
      second.awaitLine("monitoring ", FakeFleet.WAIT_SECONDS);
      try (FakeFleet fleet = new FakeFleet(mosquitto.url(), "shared", devices)) {
        fleet.birth();
        fleet.data(records);
      }
      FakeFleet.awaitStored(postgres.url(), (long) devices * records);
      first.stop();
      second.stop();
      String firstSummary = first.awaitLine("4 devices seen", FakeFleet.WAIT_SECONDS);
      String secondSummary = second.awaitLine("4 devices seen", FakeFleet.WAIT_SECONDS);
      // each took a part, but none is lost: the shared store, not one collector's part, says so
      for (String summary : List.of(firstSummary, secondSummary)) {
        assertTrue(summary.contains("; 0 records lost"), summary);
      }
      long byFirst = stored(firstSummary);
      long bySecond = stored(secondSummary);
      assertTrue(byFirst > 0 && bySecond > 0, "both collectors took a share: " + byFirst + " + " + bySecond);
      assertEquals((long) devices * records, byFirst + bySecond, "between them, each record once");
    }
    try (TelemetryStore store = TelemetryStore.open(postgres.url());
        TelemetryReader reader = store.reader()) {
      List<TelemetryReader.SessionCount> sessions =
          reader.sessions().stream().filter(s -> s.device().startsWith("shared-")).toList();
      assertEquals(devices, sessions.size());
      for (TelemetryReader.SessionCount session : sessions) {
        assertEquals(records, session.records(), session.device());
        assertEquals(0, session.missing(), session.device());
      }
    }
  }

  private static String[] with(String[] common, String... more) {
    String[] all = java.util.Arrays.copyOf(common, common.length + more.length);
    System.arraycopy(more, 0, all, common.length, more.length);
    return all;
  }

  /** The records a collector stored, from its summary line. */
  private static long stored(String summary) {
    Matcher m = Pattern.compile("; ([\\d,]+) records? stored").matcher(summary);
    assertTrue(m.find(), summary);
    return Long.parseLong(m.group(1).replace(",", ""));
  }
}
