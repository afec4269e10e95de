package dev.spela.fleet;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The telemetry database: DATA records, device sessions (from BIRTH) and held-out evaluations, in
 * an embedded SQLite file ({@value #FILE_NAME} in the run folder) or in PostgreSQL, which several
 * collectors can share. The schema is migrated by Flyway ({@code db/telemetry/V*.sql}) when the
 * store opens.
 *
 * <p>Storing is idempotent: every table's primary key is what identifies its rows on the wire
 * ({@code (device, life, bdSeq, recordCounter)} for a record, PROTOCOL.md section 8), and every
 * insert is {@code ON CONFLICT DO NOTHING}, so a record that arrives twice, through a QoS 1
 * redelivery, a resumed session or another collector, is stored once by the database itself. A
 * batch is one transaction: when {@link #storeAll} returns, its records are committed.
 *
 * <p>Writing uses one connection (callers take turns); {@link TelemetryReader} reads on its own.
 */
public final class TelemetryStore implements AutoCloseable {

  /** The SQLite file in a run folder. */
  public static final String FILE_NAME = "telemetry.db";

  /** Columns of a record row, as {@link #storeAll} binds them. */
  private static final String RECORD_COLUMNS = "device, life, boot_count, device_group, bd_seq, record, training_state,"
      + " device_time_ms, samples_seen, epoch, step_micros, ram_used, learning_rate_q24, layer_count, stored_ms";
  private static final int RECORD_PARAMETERS = 15;
  private static final String LAYER_COLUMNS =
      "device, life, boot_count, record, layer, accuracy_q15, loss_q15, weight_norm_q16";
  private static final int LAYER_PARAMETERS = 8;
  /**
   * Rows per INSERT: one statement of many rows costs far less than many statements (PostgreSQL
   * most of all), within both databases' limit of bound parameters (SQLite: 32,766).
   */
  private static final int ROWS_PER_STATEMENT = 500;
  private static final String INSERT_SESSION =
      "INSERT INTO device_session (device, life, bd_seq, device_group, board, boot_count, image_sha256,"
          + " layer_count, class_count, born_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT DO NOTHING";
  private static final String INSERT_EVALUATION =
      "INSERT INTO evaluation (device, bd_seq, command_id, samples_seen, evaluated_samples,"
          + " layer_count, received_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
  private static final String INSERT_EVALUATION_LAYER =
      "INSERT INTO evaluation_layer (device, bd_seq, command_id, layer, accuracy_q15)"
          + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

  /** Batch order: the same for every collector, so concurrent transactions never deadlock. */
  private static final Comparator<TelemetryRecord> KEY_ORDER =
      Comparator.comparing(TelemetryRecord::device)
          .thenComparing(TelemetryRecord::life)
          .thenComparingLong(TelemetryRecord::bootCount)
          .thenComparingLong(TelemetryRecord::recordCounter);

  private final String url;
  private final Connection connection;
  private long stored;
  private long duplicates;

  private TelemetryStore(String url, Connection connection) {
    this.url = url;
    this.connection = connection;
  }

  /** The default store of a run folder: its SQLite file. */
  public static String sqliteUrl(Path runDir) {
    return "jdbc:sqlite:" + runDir.resolve(FILE_NAME);
  }

  /**
   * Opens the database at a JDBC URL ({@code jdbc:sqlite:FILE} or {@code jdbc:postgresql://...}),
   * creating or migrating its schema.
   *
   * @throws IllegalArgumentException for another kind of URL
   * @throws IOException if the database cannot be reached or migrated
   */
  public static TelemetryStore open(String url) throws IOException {
    Connection connection = connect(url);
    try {
      connection.setAutoCommit(false);
      return new TelemetryStore(url, connection);
    } catch (SQLException e) {
      closeQuietly(connection);
      throw failure("cannot use " + describe(url), e);
    }
  }

  /** Connects to a migrated database (migrating it first if needed). */
  static Connection connect(String url) throws IOException {
    Dialect dialect = Dialect.of(url);
    migrate(url);
    try {
      Connection connection = DriverManager.getConnection(url);
      dialect.configure(connection);
      return connection;
    } catch (SQLException e) {
      throw failure("cannot open " + describe(url), e);
    }
  }

  private static void migrate(String url) throws IOException {
    try {
      Flyway.configure(TelemetryStore.class.getClassLoader())
          .dataSource(url, null, null)
          .locations("classpath:db/telemetry")
          .table("spela_schema_history")
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw failure("cannot create or migrate the telemetry database " + describe(url), e);
    }
  }

  /** The URL without its query (which may hold a password). */
  public static String describe(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query);
  }

  public String url() {
    return url;
  }

  /** Reads this database on a connection of its own. */
  public TelemetryReader reader() throws IOException {
    return new TelemetryReader(connect(url));
  }

  /** Stores one record; true if it was new. */
  public boolean store(TelemetryRecord record) throws IOException {
    return storeAll(List.of(record))[0];
  }

  /**
   * Stores records in one transaction, committed when this returns. Records are inserted many
   * rows to a statement, and each statement returns the keys it added ({@code RETURNING}, SQLite
   * 3.35 and PostgreSQL alike): those records were new, the others already stored.
   *
   * @return for each record (in the given order), true if it was new, false if already stored
   */
  public synchronized boolean[] storeAll(List<TelemetryRecord> records) throws IOException {
    List<TelemetryRecord> sorted = new ArrayList<>(records);
    sorted.sort(KEY_ORDER);
    List<TelemetryRecord> distinct = new ArrayList<>(sorted.size());
    for (TelemetryRecord r : sorted) {
      if (distinct.isEmpty() || KEY_ORDER.compare(distinct.get(distinct.size() - 1), r) != 0) {
        distinct.add(r); // a redelivery within the batch is a duplicate already
      }
    }
    long now = System.currentTimeMillis();
    Set<TelemetryRecord> fresh = Collections.newSetFromMap(new IdentityHashMap<>());
    try {
      for (int from = 0; from < distinct.size(); from += ROWS_PER_STATEMENT) {
        fresh.addAll(insertRecords(distinct.subList(from, Math.min(distinct.size(), from + ROWS_PER_STATEMENT)), now));
      }
      List<TelemetryRecord> added = distinct.stream().filter(fresh::contains).toList();
      List<long[]> layerRows = new ArrayList<>(); // {index in added, layer}
      for (int i = 0; i < added.size(); i++) {
        for (int k = 0; k < added.get(i).layers().size(); k++) {
          layerRows.add(new long[] {i, k});
        }
      }
      for (int from = 0; from < layerRows.size(); from += ROWS_PER_STATEMENT) {
        insertLayers(added, layerRows.subList(from, Math.min(layerRows.size(), from + ROWS_PER_STATEMENT)));
      }
      connection.commit();
    } catch (SQLException e) {
      rollback();
      throw failure("cannot store telemetry in " + describe(url), e);
    }
    stored += fresh.size();
    duplicates += records.size() - fresh.size();
    boolean[] inserted = new boolean[records.size()];
    for (int k = 0; k < inserted.length; k++) {
      inserted[k] = fresh.contains(records.get(k));
    }
    return inserted;
  }

  /** Inserts records with distinct keys; returns those that were new. */
  private List<TelemetryRecord> insertRecords(List<TelemetryRecord> chunk, long now) throws SQLException {
    String sql = "INSERT INTO telemetry_record (" + RECORD_COLUMNS + ") VALUES "
        + rows(chunk.size(), RECORD_PARAMETERS) + " ON CONFLICT DO NOTHING RETURNING device, life, boot_count, record";
    Map<String, TelemetryRecord> byKey = new HashMap<>();
    try (PreparedStatement insert = connection.prepareStatement(sql)) {
      int i = 1;
      for (TelemetryRecord r : chunk) {
        byKey.put(key(r.device(), r.life(), r.bootCount(), r.recordCounter()), r);
        insert.setString(i++, r.device());
        insert.setString(i++, r.life());
        insert.setLong(i++, r.bootCount());
        insert.setString(i++, r.group());
        insert.setLong(i++, r.bdSeq());
        insert.setLong(i++, r.recordCounter());
        insert.setInt(i++, r.trainingState());
        insert.setLong(i++, r.deviceTimeMs());
        insert.setLong(i++, r.samplesSeen());
        insert.setLong(i++, r.epoch());
        insert.setLong(i++, r.stepMicros());
        insert.setLong(i++, r.ramUsed());
        insert.setInt(i++, r.learningRateQ24());
        insert.setInt(i++, r.layers().size());
        insert.setLong(i++, now);
      }
      List<TelemetryRecord> fresh = new ArrayList<>();
      try (ResultSet added = insert.executeQuery()) {
        while (added.next()) {
          fresh.add(byKey.get(key(added.getString(1), added.getString(2), added.getLong(3), added.getLong(4))));
        }
      }
      return fresh;
    }
  }

  private void insertLayers(List<TelemetryRecord> added, List<long[]> layerRows) throws SQLException {
    String sql = "INSERT INTO telemetry_layer (" + LAYER_COLUMNS + ") VALUES " + rows(layerRows.size(),
        LAYER_PARAMETERS) + " ON CONFLICT DO NOTHING";
    try (PreparedStatement insert = connection.prepareStatement(sql)) {
      int i = 1;
      for (long[] row : layerRows) {
        TelemetryRecord r = added.get((int) row[0]);
        int k = (int) row[1];
        TelemetryRecord.Layer layer = r.layers().get(k);
        insert.setString(i++, r.device());
        insert.setString(i++, r.life());
        insert.setLong(i++, r.bootCount());
        insert.setLong(i++, r.recordCounter());
        insert.setInt(i++, k + 1);
        insert.setInt(i++, layer.accuracyQ15());
        insert.setInt(i++, layer.lossQ15());
        insert.setLong(i++, layer.weightNormQ16());
      }
      insert.executeUpdate();
    }
  }

  /** {@code (?, ?), (?, ?)} for {@code rows} rows of {@code columns} parameters. */
  private static String rows(int rows, int columns) {
    String row = "(" + String.join(", ", Collections.nCopies(columns, "?")) + ")";
    return String.join(", ", Collections.nCopies(rows, row));
  }

  private static String key(String device, String life, long boot, long record) {
    return device + '/' + life + '/' + boot + '/' + record;
  }

  /** Stores a device session from its BIRTH (once per session). */
  public synchronized void storeSession(DeviceView device) throws IOException {
    try (PreparedStatement insert = connection.prepareStatement(INSERT_SESSION)) {
      int i = 1;
      insert.setString(i++, device.id());
      insert.setString(i++, device.life());
      insert.setLong(i++, device.bdSeq());
      insert.setString(i++, device.group());
      insert.setString(i++, device.board());
      insert.setLong(i++, device.bootCount());
      insert.setString(i++, device.imageSha256());
      insert.setInt(i++, device.layers());
      insert.setInt(i++, device.classes());
      insert.setLong(i, device.bornAtMillis());
      insert.executeUpdate();
      connection.commit();
    } catch (SQLException e) {
      rollback();
      throw failure("cannot store the session of " + device.id(), e);
    }
  }

  /**
   * Stores a held-out evaluation.
   *
   * @return true if it was new
   */
  public synchronized boolean storeEvaluation(Evaluation evaluation) throws IOException {
    try (PreparedStatement insert = connection.prepareStatement(INSERT_EVALUATION);
        PreparedStatement layers = connection.prepareStatement(INSERT_EVALUATION_LAYER)) {
      int i = 1;
      insert.setString(i++, evaluation.device());
      insert.setLong(i++, evaluation.bdSeq());
      insert.setLong(i++, evaluation.commandId());
      insert.setLong(i++, evaluation.samplesSeen());
      insert.setLong(i++, evaluation.evaluatedSamples());
      insert.setInt(i++, evaluation.accuracyQ15().length);
      insert.setLong(i, evaluation.receivedMs());
      boolean fresh = insert.executeUpdate() > 0;
      if (fresh) {
        for (int k = 0; k < evaluation.accuracyQ15().length; k++) {
          layers.setString(1, evaluation.device());
          layers.setLong(2, evaluation.bdSeq());
          layers.setLong(3, evaluation.commandId());
          layers.setInt(4, k + 1);
          layers.setInt(5, evaluation.accuracyQ15()[k]);
          layers.addBatch();
        }
        layers.executeBatch();
      }
      connection.commit();
      return fresh;
    } catch (SQLException e) {
      rollback();
      throw failure("cannot store the evaluation of " + evaluation.device(), e);
    }
  }

  /** Records this store added. */
  public synchronized long stored() {
    return stored;
  }

  /** Records this store was given that the database already had. */
  public synchronized long duplicates() {
    return duplicates;
  }

  @Override
  public synchronized void close() {
    closeQuietly(connection);
  }

  private void rollback() {
    try {
      connection.rollback();
    } catch (SQLException e) {
      // the connection is gone; the next batch reports it
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      // nothing left to release
    }
  }

  private static IOException failure(String what, Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String reason = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return new IOException(what + ": " + reason.strip(), e);
  }

  /** What differs between the two databases. */
  private enum Dialect {
    SQLITE,
    POSTGRESQL;

    static Dialect of(String url) {
      if (url.startsWith("jdbc:sqlite:")) {
        return SQLITE;
      }
      if (url.startsWith("jdbc:postgresql:")) {
        return POSTGRESQL;
      }
      throw new IllegalArgumentException(
          "unsupported telemetry store '" + describe(url) + "': use jdbc:sqlite:FILE or jdbc:postgresql://HOST/DB");
    }

    void configure(Connection connection) throws SQLException {
      if (this == SQLITE) {
        try (Statement s = connection.createStatement()) {
          // Readers do not block the writer; a commit survives a crash of the process.
          s.execute("PRAGMA journal_mode=WAL");
          s.execute("PRAGMA synchronous=FULL");
          s.execute("PRAGMA busy_timeout=10000");
        }
      }
    }
  }
}
