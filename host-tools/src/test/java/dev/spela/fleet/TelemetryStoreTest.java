package dev.spela.fleet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TelemetryStoreTest {

  @TempDir Path run;

  static TelemetryRecord record(String device, long bdSeq, long counter) {
    return new TelemetryRecord(device, "lab", "", bdSeq, bdSeq, counter, 1, 1_700_000_000_000L + counter, 100 * (counter + 1),
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
          90_112, 1_048_576, 131_072, 131_072, 10, 54_584, "ab".repeat(32), 0, 0, 1_700_000_000_000L, "");
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

  @Test
  void recordsOfTwoLivesAndBootsNeverCollideAndLossIsCountedPerBoot() throws IOException {
    try (TelemetryStore store = TelemetryStore.open(TelemetryStore.sqliteUrl(run))) {
      List<TelemetryRecord> records = List.of(
          life("vd-1", "00000000000000a1", 1, 3, 0), life("vd-1", "00000000000000a1", 1, 4, 1),
          life("vd-1", "00000000000000a1", 1, 9, 3), // sent in a later session: the same boot
          life("vd-1", "00000000000000a1", 2, 9, 0),
          life("vd-1", "00000000000000b2", 1, 1, 0), life("vd-1", "00000000000000b2", 1, 1, 1)); // wiped
      assertArrayEquals(new boolean[] {true, true, true, true, true, true}, store.storeAll(records));
      assertFalse(store.store(life("vd-1", "00000000000000a1", 1, 12, 1)), "a resend after a reconnection");
      try (TelemetryReader reader = store.reader()) {
        assertEquals(List.of(
            new TelemetryReader.SessionCount("vd-1", "00000000000000a1", 1, 3, 3),
            new TelemetryReader.SessionCount("vd-1", "00000000000000a1", 2, 1, 0),
            new TelemetryReader.SessionCount("vd-1", "00000000000000b2", 1, 2, 1)), reader.sessions());
        assertEquals(Map.of("vd-1", 1L), reader.missingByDevice(), "record 2 of boot 1 of the first life");
        assertEquals("00000000000000b2", reader.records().get(5).life());
      }
    }
  }

  private static TelemetryRecord life(String device, String life, long boot, long bdSeq, long counter) {
    return new TelemetryRecord(device, "lab", life, boot, bdSeq, counter, 1, 0, 100 * (counter + 1), 0, 850, 90_112,
        167_772, List.of(new TelemetryRecord.Layer(26_624, -16_384, 212_992)));
  }

  @Test
  void aVersion1DatabaseIsMigratedWithItsSessionsAsBoots() throws Exception {
    String url = TelemetryStore.sqliteUrl(run);
    Files.createDirectories(run);
    Flyway.configure(TelemetryStore.class.getClassLoader()).dataSource(url, null, null)
        .locations("classpath:db/telemetry").table("spela_schema_history").target("1").load().migrate();
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement()) {
      for (int session = 1; session <= 2; session++) {
        statement.executeUpdate("INSERT INTO telemetry_record (device, bd_seq, record, device_group, training_state,"
            + " device_time_ms, samples_seen, epoch, step_micros, ram_used, learning_rate_q24, layer_count, stored_ms)"
            + " VALUES ('vd-1', " + session + ", 0, 'lab', 1, 0, 100, 0, 850, 90112, 167772, 1, 0)");
        statement.executeUpdate("INSERT INTO telemetry_layer (device, bd_seq, record, layer, accuracy_q15, loss_q15,"
            + " weight_norm_q16) VALUES ('vd-1', " + session + ", 0, 1, 26624, -16384, 212992)");
      }
    }
    try (TelemetryStore store = TelemetryStore.open(url); TelemetryReader reader = store.reader()) {
      List<TelemetryRecord> migrated = reader.records();
      assertEquals(2, migrated.size(), "both sessions' record 0 kept");
      for (int k = 0; k < 2; k++) {
        assertEquals("", migrated.get(k).life());
        assertEquals(k + 1, migrated.get(k).bootCount(), "the session becomes the boot");
        assertEquals(k + 1, migrated.get(k).bdSeq());
        assertEquals(1, migrated.get(k).layers().size());
      }
      assertTrue(store.store(life("vd-1", "00000000000000a1", 1, 1, 0)), "a v2 record beside them");
    }
  }
}
