package dev.spela.tests.fleet;

import dev.spela.fleet.TelemetryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records per second that {@code spela monitor} stores (docs/results.md, "Telemetry throughput"):
 * one monitor into SQLite, and two collectors sharing the subscription into PostgreSQL (durable
 * settings: fsync and synchronous commit on). Devices are {@link FakeFleet}s on a Mosquitto broker;
 * each monitor is a process of its own, as in production.
 *
 * <p>Two figures each: <em>live</em>, the fleet publishing while the monitor stores (the rate from
 * the first publish to the last record committed: the lower of what the publisher and the monitor
 * sustain), and <em>drain</em>, the monitor catching up on a backlog that its broker session
 * queued while it was stopped (what the monitor alone sustains).
 *
 * <pre>
 * mvn -B -q -pl tests -am verify -Dtest=TelemetryThroughputBenchmark -Dsurefire.excludedTags=zero-allocation \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dbench.devices=16 -Dbench.records=1000
 * </pre>
 */
@Tag("benchmark")
class TelemetryThroughputBenchmark {

  // Plain MQTT (--insecure) on purpose: FakeFleet publishes as many devices on one connection,
  // which the fleet's per-device policy refuses; these figures are the store's, as before.
  private static final int DEVICES = Integer.getInteger("bench.devices", 16);
  private static final int RECORDS = Integer.getInteger("bench.records", 1_000);

  @Test
  void oneMonitorIntoSqlite(@TempDir Path dir) throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir)) {
      String database = TelemetryStore.sqliteUrl(dir.resolve("run"));
      String[] monitor = {"monitor", "--insecure", "--broker", broker.url(), "--host-id", "bench", "--run",
          dir.resolve("run").toString(), "--client-id", "bench-sqlite", "--session-expiry", "3600"};
      report("SQLite, 1 monitor", measure(dir, broker.url(), database, "sqlite", List.<String[]>of(monitor)));
    }
  }

  @Test
  void oneMonitorIntoPostgresql(@TempDir Path dir) throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir);
        Postgres postgres = Postgres.start(true)) {
      String[] monitor = {"monitor", "--insecure", "--broker", broker.url(), "--host-id", "bench", "--run",
          dir.resolve("run").toString(), "--store", postgres.url(), "--client-id", "bench-pg", "--session-expiry",
          "3600"};
      report("PostgreSQL, 1 monitor", measure(dir, broker.url(), postgres.url(), "pg1", List.<String[]>of(monitor)));
    }
  }

  @Test
  void twoCollectorsIntoPostgresql(@TempDir Path dir) throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir);
        Postgres postgres = Postgres.start(true)) {
      List<String[]> collectors = new ArrayList<>();
      for (int k = 1; k <= 2; k++) {
        collectors.add(new String[] {"monitor", "--insecure", "--broker", broker.url(), "--host-id", "bench", "--run",
            dir.resolve("run-" + k).toString(), "--store", postgres.url(), "--shared", "collectors", "--client-id",
            "bench-pg-" + k, "--session-expiry", "3600"});
      }
      report("PostgreSQL, 2 collectors", measure(dir, broker.url(), postgres.url(), "pg", collectors));
    }
  }

  /** {live records/s, drain records/s}, each from the commit times the database recorded. */
  private static double[] measure(Path dir, String broker, String database, String name, List<String[]> monitors)
      throws Exception {
    long total = (long) DEVICES * RECORDS;
    List<SpelaProcess> running = start(dir, name + "-live", monitors);
    try (FakeFleet fleet = new FakeFleet(broker, name + "-live", DEVICES)) {
      fleet.birth();
      fleet.data(RECORDS);
    }
    FakeFleet.awaitStored(database, total);
    stop(running);

    // A backlog queued by the broker for the stopped monitors' sessions, then drained.
    try (FakeFleet fleet = new FakeFleet(broker, name + "-drain", DEVICES)) {
      fleet.birth();
      fleet.data(RECORDS);
    }
    running = start(dir, name + "-drain", monitors);
    FakeFleet.awaitStored(database, 2 * total);
    stop(running);
    return new double[] {rate(database, name + "-live"), rate(database, name + "-drain")};
  }

  /** Records per second between the first and the last commit of a fleet's records. */
  private static double rate(String database, String fleet) throws SQLException {
    try (Connection connection = DriverManager.getConnection(database);
        PreparedStatement query = connection.prepareStatement(
            "SELECT COUNT(*), MIN(stored_ms), MAX(stored_ms) FROM telemetry_record WHERE device LIKE ?")) {
      query.setString(1, fleet + "-%");
      try (ResultSet row = query.executeQuery()) {
        row.next();
        return row.getLong(1) / (Math.max(1, row.getLong(3) - row.getLong(2)) / 1000.0);
      }
    }
  }

  /** Starts the monitors together (a backlog is shared from the first connection on). */
  private static List<SpelaProcess> start(Path dir, String name, List<String[]> monitors) throws Exception {
    List<SpelaProcess> running = new ArrayList<>();
    for (int k = 0; k < monitors.size(); k++) {
      running.add(SpelaProcess.start(dir, name + "-" + k, monitors.get(k)));
    }
    for (SpelaProcess monitor : running) {
      monitor.awaitLine("monitoring ", FakeFleet.WAIT_SECONDS);
    }
    return running;
  }

  private static void stop(List<SpelaProcess> running) throws Exception {
    for (SpelaProcess monitor : running) {
      monitor.stop();
    }
  }

  private static void report(String what, double[] rates) throws Exception {
    String line = String.format(Locale.ROOT, "%s: %d devices x %d records: live %.0f records/s, drain %.0f records/s"
        + " (load average %s)", what, DEVICES, RECORDS, rates[0], rates[1],
        Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    System.out.println(line);
  }
}
