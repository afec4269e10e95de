package dev.spela.fleet;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the telemetry database ({@link TelemetryStore}) on a connection of its own: records in key
 * order, held-out evaluations, device sessions, and the records missing from each session.
 */
public final class TelemetryReader implements AutoCloseable {

  /** Rows fetched at a time: PostgreSQL streams a large result instead of holding it whole. */
  private static final int FETCH_SIZE = 2_000;

  private static final String RECORDS =
      "SELECT r.device, r.device_group, r.bd_seq, r.record, r.training_state, r.device_time_ms,"
          + " r.samples_seen, r.epoch, r.step_micros, r.ram_used, r.learning_rate_q24,"
          + " l.layer, l.accuracy_q15, l.loss_q15, l.weight_norm_q16, r.life, r.boot_count"
          + " FROM telemetry_record r LEFT JOIN telemetry_layer l"
          + " ON l.device = r.device AND l.life = r.life AND l.boot_count = r.boot_count AND l.record = r.record"
          + " ORDER BY r.device, r.life, r.boot_count, r.record, l.layer";

  private static final String EVALUATIONS =
      "SELECT e.device, e.bd_seq, e.command_id, e.samples_seen, e.evaluated_samples, e.layer_count,"
          + " e.received_ms, l.layer, l.accuracy_q15"
          + " FROM evaluation e LEFT JOIN evaluation_layer l ON l.device = e.device AND l.life = e.life"
          + " AND l.bd_seq = e.bd_seq AND l.command_id = e.command_id"
          + " ORDER BY e.device, e.received_ms, e.bd_seq, e.command_id, l.layer";

  private static final String SESSIONS =
      "SELECT device, life, boot_count, COUNT(*), MAX(record) FROM telemetry_record"
          + " GROUP BY device, life, boot_count ORDER BY device, life, boot_count";

  private static final String DEVICE_SESSIONS =
      "SELECT device, bd_seq, device_group, board, boot_count, image_sha256, layer_count, class_count,"
          + " born_ms FROM device_session ORDER BY device, born_ms, bd_seq";

  private final Connection connection;

  TelemetryReader(Connection connection) throws IOException {
    this.connection = connection;
    try {
      connection.setAutoCommit(false); // PostgreSQL uses a cursor (fetch size) only in a transaction
    } catch (SQLException e) {
      throw new IOException("cannot read the telemetry database: " + e.getMessage(), e);
    }
  }

  /** Receives records one at a time, in key order. */
  public interface RecordVisitor {
    void visit(TelemetryRecord record) throws IOException;
  }

  /**
   * The records stored of one boot of one device life (PROTOCOL.md section 9): how many, the last
   * record number, and how many numbers below it are missing (lost on the way, or dropped by the
   * device while it could not send). Records lost after the last one stored cannot be told from
   * records not yet taken.
   */
  public record SessionCount(String device, String life, long boot, long records, long lastRecord) {
    public long missing() {
      return lastRecord + 1 - records;
    }
  }

  /** A device session as its BIRTH announced it. */
  public record DeviceSession(
      String device, long bdSeq, String group, String board, long bootCount, String imageSha256, int layers,
      int classes, long bornMs) {}

  /** Every record, in key order (device, life, session, record number). */
  public synchronized void records(RecordVisitor visitor) throws IOException {
    try (PreparedStatement query = connection.prepareStatement(RECORDS)) {
      query.setFetchSize(FETCH_SIZE);
      try (ResultSet rows = query.executeQuery()) {
        TelemetryRecord current = null;
        List<TelemetryRecord.Layer> layers = new ArrayList<>();
        while (rows.next()) {
          TelemetryRecord row = record(rows, List.of());
          if (current != null && !sameKey(current, row)) {
            visitor.visit(withLayers(current, layers));
            layers.clear();
          }
          current = row;
          if (rows.getObject(12) != null) {
            layers.add(new TelemetryRecord.Layer(rows.getInt(13), rows.getInt(14), rows.getLong(15)));
          }
        }
        if (current != null) {
          visitor.visit(withLayers(current, layers));
        }
      }
      connection.commit();
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /** Every record, in key order. */
  public List<TelemetryRecord> records() throws IOException {
    List<TelemetryRecord> all = new ArrayList<>();
    records(all::add);
    return all;
  }

  private static TelemetryRecord record(ResultSet rows, List<TelemetryRecord.Layer> layers) throws SQLException {
    return new TelemetryRecord(rows.getString(1), rows.getString(2), rows.getString(16), rows.getLong(17),
        rows.getLong(3), rows.getLong(4), rows.getInt(5), rows.getLong(6), rows.getLong(7), rows.getLong(8), rows.getLong(9), rows.getLong(10),
        rows.getInt(11), layers);
  }

  private static boolean sameKey(TelemetryRecord a, TelemetryRecord b) {
    return a.device().equals(b.device()) && a.life().equals(b.life()) && a.bootCount() == b.bootCount()
        && a.recordCounter() == b.recordCounter();
  }

  private static TelemetryRecord withLayers(TelemetryRecord r, List<TelemetryRecord.Layer> layers) {
    return new TelemetryRecord(r.device(), r.group(), r.life(), r.bootCount(), r.bdSeq(), r.recordCounter(),
        r.trainingState(),
        r.deviceTimeMs(), r.samplesSeen(), r.epoch(), r.stepMicros(), r.ramUsed(), r.learningRateQ24(),
        List.copyOf(layers));
  }

  /** Every held-out evaluation, by device, oldest first. */
  public synchronized List<Evaluation> evaluations() throws IOException {
    List<Evaluation> evaluations = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(EVALUATIONS);
        ResultSet rows = query.executeQuery()) {
      Evaluation current = null;
      while (rows.next()) {
        String device = rows.getString(1);
        long bdSeq = rows.getLong(2);
        long command = rows.getLong(3);
        if (current == null || !current.device().equals(device) || current.bdSeq() != bdSeq
            || current.commandId() != command) {
          current = new Evaluation(device, bdSeq, command, rows.getLong(4), rows.getLong(5),
              new int[rows.getInt(6)], rows.getLong(7));
          evaluations.add(current);
        }
        int layer = rows.getInt(8);
        if (!rows.wasNull() && layer >= 1 && layer <= current.accuracyQ15().length) {
          current.accuracyQ15()[layer - 1] = rows.getInt(9);
        }
      }
      connection.commit();
      return evaluations;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /** How many records each boot of each device life has stored, and how many it misses. */
  public synchronized List<SessionCount> sessions() throws IOException {
    List<SessionCount> sessions = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(SESSIONS);
        ResultSet rows = query.executeQuery()) {
      while (rows.next()) {
        sessions.add(new SessionCount(rows.getString(1), rows.getString(2), rows.getLong(3), rows.getLong(4),
            rows.getLong(5)));
      }
      connection.commit();
      return sessions;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /** Records missing, per device (its lives and boots added up). */
  public Map<String, Long> missingByDevice() throws IOException {
    Map<String, Long> missing = new TreeMap<>();
    for (SessionCount session : sessions()) {
      missing.merge(session.device(), session.missing(), Long::sum);
    }
    return missing;
  }

  /** Every device session seen (from BIRTH), by device, oldest first. */
  public synchronized List<DeviceSession> deviceSessions() throws IOException {
    List<DeviceSession> sessions = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(DEVICE_SESSIONS);
        ResultSet rows = query.executeQuery()) {
      while (rows.next()) {
        sessions.add(new DeviceSession(rows.getString(1), rows.getLong(2), rows.getString(3), rows.getString(4),
            rows.getLong(5), rows.getString(6), rows.getInt(7), rows.getInt(8), rows.getLong(9)));
      }
      connection.commit();
      return sessions;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      // nothing left to release
    }
  }

  private IOException failure(SQLException e) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the connection is gone
    }
    return new IOException("cannot read the telemetry database: " + e.getMessage(), e);
  }
}
