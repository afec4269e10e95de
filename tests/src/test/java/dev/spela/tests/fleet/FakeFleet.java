package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.boards.Names;
import dev.spela.fleet.HostConnection;
import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.DataMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.Topic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Devices that only talk: a BIRTH each, then DATA records numbered 0, 1, 2, ... (2 layers), with
 * the sequence numbers a device would use, published at QoS 1 as fast as the broker takes them.
 * Unlike a virtual device it keeps publishing while no host is online, so a monitor's session
 * has something to queue; the test knows exactly which records exist.
 */
final class FakeFleet implements AutoCloseable {

  static final String GROUP = "fake";
  static final long BD_SEQ = 1;
  static final long WAIT_SECONDS = 90;

  private final HostConnection connection;
  private final String[] ids;
  private final int[] seq;
  private final byte[] buffer = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];

  FakeFleet(String brokerUrl, String name, int devices) throws IOException {
    connection = HostConnection.connect(brokerUrl, name, null, (topic, payload) -> {});
    ids = new String[devices];
    seq = new int[devices];
    for (int k = 0; k < devices; k++) {
      ids[k] = String.format(Locale.ROOT, "%s-%02d", name, k + 1);
    }
  }

  String id(int device) {
    return ids[device];
  }

  int devices() {
    return ids.length;
  }

  /** Every device's BIRTH: board nrf52840, 2 layers, 10 classes, training. */
  void birth() throws IOException {
    for (int k = 0; k < ids.length; k++) {
      BirthMessage birth = new BirthMessage();
      assertEquals(FleetStatus.OK, birth.wrapForEncode(buffer, 0, buffer.length, 0, (int) BD_SEQ));
      birth.board(Names.of("nrf52840")).runtimeVersion(0, 1).capabilities(BirthMessage.CAN_TRAIN).bootCount(1)
          .memory(262_144, 90_112, 1_048_576, 0).trainingState(1).model(2, 10, 167_772, 0).deviceTimeMs(1);
      seq[k] = 0;
      publish(Topic.BIRTH, k, birth.encodedLength());
    }
  }

  /** Record {@code record} of a device: samples seen 100 x (record + 1). */
  void data(int device, long record) throws IOException {
    DataMessage data = new DataMessage();
    seq[device] = (seq[device] + 1) & 0xFF;
    assertEquals(FleetStatus.OK, data.wrapForEncode(buffer, 0, buffer.length, seq[device], (int) BD_SEQ));
    data.record((int) record, 1, 1_700_000_000_000L + record)
        .progress(100 * (record + 1), (int) (record / 50), 850, 90_112, 167_772);
    assertEquals(FleetStatus.OK, data.layerCount(2));
    assertEquals(FleetStatus.OK, data.layer(0, (int) (record * 7 % 32768), -16_384, 212_992));
    assertEquals(FleetStatus.OK, data.layer(1, 20_000, -20_000, 98_304));
    publish(Topic.DATA, device, data.encodedLength());
  }

  /** A message of the device lost in the network: its sequence number is used, nothing arrives. */
  void lostInTransit(int device) {
    seq[device] = (seq[device] + 1) & 0xFF;
  }

  /**
   * Records {@code 0 .. records-1} of every device, device after device for each number; the broker
   * has acknowledged every one when this returns.
   */
  void data(long records) throws IOException {
    for (long r = 0; r < records; r++) {
      for (int k = 0; k < ids.length; k++) {
        data(k, r);
      }
    }
  }

  private void publish(int kind, int device, int length) throws IOException {
    byte[] topic = new byte[Topic.MAX_LENGTH];
    int topicLength = Topic.write(topic, 0, kind, Names.of(GROUP), Names.of(ids[device]));
    assertTrue(topicLength > 0, "a valid topic");
    connection.publish(new String(topic, 0, topicLength, StandardCharsets.US_ASCII), Arrays.copyOf(buffer, length),
        1, false);
  }

  /** Waits for the broker to acknowledge what is in flight, then disconnects. */
  @Override
  public void close() {
    connection.close();
  }

  /**
   * Waits until the database holds at least {@code records}; returns how many it holds. Reads with
   * plain JDBC (no migration), while the monitor writes.
   */
  static long awaitStored(String database, long records) throws Exception {
    return awaitCount(database, "the database", "SELECT COUNT(*) FROM telemetry_record", null, records);
  }

  /**
   * Waits until {@code countQuery} (a {@code SELECT COUNT(*)}, each of its parameters set to
   * {@code parameter}) gives at least {@code records}; returns the count. {@code what} names what
   * is counted in the failure's message.
   */
  static long awaitCount(String database, String what, String countQuery, String parameter, long records)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    long stored = 0;
    while (System.nanoTime() < deadline) {
      try (Connection connection = DriverManager.getConnection(database);
          PreparedStatement statement = connection.prepareStatement(countQuery)) {
        for (int p = 1; p <= statement.getParameterMetaData().getParameterCount(); p++) {
          statement.setString(p, parameter);
        }
        try (ResultSet count = statement.executeQuery()) {
          count.next();
          stored = count.getLong(1);
        }
        if (stored >= records) {
          return stored;
        }
      } catch (SQLException e) {
        // no database or no table yet
      }
      TimeUnit.MILLISECONDS.sleep(20); // polling the database for a condition, with a deadline
    }
    throw new AssertionError(what + " holds " + stored + " records, not " + records + ", after "
        + WAIT_SECONDS + " s");
  }
}
