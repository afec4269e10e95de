package dev.spela.fleet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

  static TelemetryRecord record(String device, long bdSeq, long counter) {
    return new TelemetryRecord(device, "lab", bdSeq, counter, 1, 1_700_000_000_000L + counter, 100 * (counter + 1),
        0, 850, 90_112, 167_772,
        List.of(new TelemetryRecord.Layer(26_624, -16_384, 212_992), new TelemetryRecord.Layer(29_696, -23_552, 98_304)));
  }

  @Test
  void aRecordIsStoredOncePerDeviceSessionAndCounterWhicheverCollectorGetsIt() throws IOException {
    String url = TelemetryStore.sqliteUrl(run);
    try (TelemetryStore first = TelemetryStore.open(url);
        TelemetryStore second = TelemetryStore.open(url); // another collector on the same database
        TelemetryReader reader = first.reader()) {
      assertTrue(first.store(record("vd-1", 7, 0)));
      assertFalse(first.store(record("vd-1", 7, 0)), "a QoS 1 redelivery");
      assertFalse(second.store(record("vd-1", 7, 0)), "the database refuses what the other collector stored");
      assertArrayEquals(new boolean[] {true, false, true},
          second.storeAll(List.of(record("vd-1", 7, 1), record("vd-1", 7, 1), record("vd-1", 8, 0))),
          "a batch: its own duplicate is refused too; a new session numbers its records from 0 again");
      assertTrue(first.store(record("vd-2", 7, 0)));
      assertEquals(2, first.stored());
      assertEquals(2, second.stored());
      assertEquals(3, first.duplicates() + second.duplicates());

      List<TelemetryRecord> stored = reader.records();
      assertEquals(List.of(record("vd-1", 7, 0), record("vd-1", 7, 1), record("vd-1", 8, 0), record("vd-2", 7, 0)),
          stored, "every field and layer read back, in key order");
    }
    assertTrue(Files.isRegularFile(run.resolve(TelemetryStore.FILE_NAME)));
  }

  @Test
  void missingRecordsAreCountedFromTheRecordCounterPerSession() throws IOException {
    try (TelemetryStore store = TelemetryStore.open(TelemetryStore.sqliteUrl(run));
        TelemetryReader reader = store.reader()) {
      for (long r : new long[] {0, 1, 2, 5, 6, 9}) { // 3, 4, 7, 8 lost
        store.store(record("vd-1", 3, r));
      }
      for (long r = 0; r < 300; r++) { // more than 256 records: the 8-bit seq would wrap, the counter does not
        if (r != 40) {
          store.store(record("vd-1", 4, r));
        }
      }
      store.store(record("vd-2", 1, 0));
      List<TelemetryReader.SessionCount> sessions = reader.sessions();
      assertEquals(List.of(new TelemetryReader.SessionCount("vd-1", "", 3, 6, 9),
          new TelemetryReader.SessionCount("vd-1", "", 4, 299, 299), new TelemetryReader.SessionCount("vd-2", "", 1, 1, 0)),
          sessions);
      assertEquals(Map.of("vd-1", 5L, "vd-2", 0L), reader.missingByDevice());
    }
  }

  @Test
  void evaluationsAndSessionsAreStoredOnceAndReadBack() throws IOException {
    try (TelemetryStore store = TelemetryStore.open(TelemetryStore.sqliteUrl(run));
        TelemetryReader reader = store.reader()) {
      Evaluation evaluation = new Evaluation("vd-1", 7, 41, 1_200, 300, new int[] {20_000, 25_000}, 1_700_000_000_000L);
      assertTrue(store.storeEvaluation(evaluation));
      assertFalse(store.storeEvaluation(evaluation), "the same command's answer again");
      List<Evaluation> read = reader.evaluations();
      assertEquals(1, read.size());
      assertEquals(1_200, read.get(0).samplesSeen());
      assertArrayEquals(new int[] {20_000, 25_000}, read.get(0).accuracyQ15());

      DeviceView birth = new DeviceView("vd-1", "lab", "nrf52840", 7, 2, true, 0x1F, 1, 0, 2, 10, 167_772, 262_144,
          90_112, 1_048_576, 131_072, 131_072, 10, 54_584, "ab".repeat(32), 0, 0, 1_700_000_000_000L);
      store.storeSession(birth);
      store.storeSession(birth); // a re-BIRTH of the same session
      assertEquals(List.of(new TelemetryReader.DeviceSession("vd-1", 7, "lab", "nrf52840", 2, "ab".repeat(32), 2, 10,
          1_700_000_000_000L)), reader.deviceSessions());
    }
  }

  @Test
  void onlySqliteAndPostgresqlUrlsAreAccepted() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TelemetryStore.open("jdbc:mysql://localhost/x?password=secret"));
    assertTrue(e.getMessage().contains("jdbc:sqlite:FILE or jdbc:postgresql://"), e.getMessage());
    assertFalse(e.getMessage().contains("secret"), "the query part (a password) is not repeated");
  }
}
