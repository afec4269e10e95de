package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spela.fleet.FleetSimulator;
import dev.spela.fleet.security.ClientSecurity;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.protocols.fleet.DataMessage;
import dev.spela.protocols.fleet.FleetStatus;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of {@code spela fleet simulate} against a broker, counted three ways: by the simulator
 * (records it handed to the broker), by a third-party subscriber ({@code mosquitto_sub} on every
 * device's DATA topic) and by the store of a {@code spela monitor} process, or of collectors
 * sharing the subscription into PostgreSQL (rows, and the monitors' own summaries of duplicates
 * and lost records). Each command is a process of its own, as
 * in production, so that the simulator's summary gives its own memory and threads.
 *
 * @param devices virtual devices
 * @param records DATA records each device sends in an epoch (its shard of {@code records *
 *     recordEvery} samples)
 * @param epochs passes over the shard; 0: devices train until the fault is over and every device
 *     stored two more records, then the simulator is stopped as Ctrl-C would (devices that learn
 *     at desktop speed finish a few epochs before ten monitor restarts, each a JVM start, are over)
 */
record SimulatedFleetRun(int devices, int records, int recordEvery, String layers, String heap, int epochs) {

  /** One epoch. */
  SimulatedFleetRun(int devices, int records, int recordEvery, String layers, String heap) {
    this(devices, records, recordEvery, layers, heap, 1);
  }

  /** This run with devices that train until the fault is over (epochs 0). */
  SimulatedFleetRun untilFaultIsOver() {
    return new SimulatedFleetRun(devices, records, recordEvery, layers, heap, 0);
  }

  /**
   * A fault injected while the simulator runs (a benchmark's): it may kill, pause and restart the
   * monitors through {@code monitors}.
   */
  interface Fault {
    void inject(Monitors monitors) throws Exception;
  }

  /** The run's monitor processes, for a {@link Fault}; each restarts with its own arguments. */
  static final class Monitors {
    private final List<SpelaProcess> processes;
    private final List<String[]> arguments;
    private final Path dir;
    private final String database;
    /** Devices the fault runs beside the simulator's, which the monitors see too. */
    private int otherDevices;

    private Monitors(Path dir, String database, List<SpelaProcess> processes, List<String[]> arguments) {
      this.dir = dir;
      this.database = database;
      this.processes = processes;
      this.arguments = arguments;
    }

    /** The fault runs {@code devices} more devices of its own beside the simulator's. */
    void addDevices(int devices) {
      otherDevices += devices;
    }

    /** Waits until the store holds at least {@code records} rows. */
    void awaitStored(long records) throws Exception {
      FakeFleet.awaitStored(database, records);
    }

    /** Waits until the store holds {@code more} rows more than now. */
    void awaitMoreStored(long more) throws Exception {
      FakeFleet.awaitStored(database, rows(database) + more);
    }

    /** kill -9 of monitor {@code k}, then a new one with the same client id (it resumes the session). */
    void killAndRestart(int k) throws Exception {
      processes.get(k).kill();
      SpelaProcess next = SpelaProcess.start(dir, "monitor-" + (k + 1) + "-" + System.nanoTime(), arguments.get(k));
      processes.set(k, next);
      next.awaitLine("monitoring ", FakeFleet.WAIT_SECONDS);
    }

    /** kill -9 of monitor {@code k} for good. */
    void kill(int k) throws Exception {
      processes.get(k).kill();
    }

    /** Stops monitor {@code k} (SIGSTOP) for {@code seconds}, then lets it go on (SIGCONT). */
    void pause(int k, long seconds) throws Exception {
      signal("-STOP", processes.get(k).pid());
      TimeUnit.SECONDS.sleep(seconds); // the fault is the pause itself
      signal("-CONT", processes.get(k).pid());
    }

    private static void signal(String signal, long pid) throws Exception {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new AssertionError("kill " + signal + " " + pid + " failed");
      }
    }
  }

  /** What was counted. */
  record Counts(long sent, long received, long receivedUnique, long stored, long storedUnique, long lost,
      String monitorSummary, String simulatorSummary, String host, double monitorRecordsPerSecond) {

    long duplicatesReceived() {
      return received - receivedUnique;
    }

    /** A records' line for docs/results.md. */
    String describe(String broker, int devices) throws Exception {
      return String.format(Locale.ROOT, "%s, %d devices: %d sent, %d received by a third party (%d duplicates),"
          + " %d stored (%d distinct, %d lost: holes in the record numbers); monitor: %s; monitor stored %.0f"
          + " records/s; simulator: %s; %s; load average %s",
          broker, devices, sent, received, duplicatesReceived(), stored, storedUnique, lost, monitorSummary,
          monitorRecordsPerSecond, simulatorSummary, host, Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }
  }

  private static final Pattern SENT = Pattern.compile("^([0-9,]+) records? sent in .*");

  /**
   * How the run's programs reach the broker: plain MQTT ({@code --insecure}), or secured by a
   * fleet folder as by default (TLS, the host account for the monitors and the third party, the
   * simulated devices enrolled beforehand so that the broker knows their accounts).
   */
  record Access(String deviceUrl, String hostUrl, int hostPort, ClientSecurity hostLogin, TestBroker broker,
      FleetSecurity fleet) {

    static Access plain(String url) {
      return new Access(url, url, URI.create(url).getPort(), ClientSecurity.NONE, null, null);
    }

    static Access secured(TestBroker broker, FleetSecurity fleet) {
      return new Access(broker.url(), broker.hostUrl(), broker.hostPort(), broker.hostLogin(), broker, fleet);
    }

    private List<String> securityOptions() {
      return fleet == null ? List.of("--insecure") : List.of("--fleet", fleet.folder().toString());
    }

    private Path caFile() {
      return fleet == null ? null : fleet.authority().caCertificateFile();
    }

    /** Enrols the simulator's devices in their state folders under {@code stateDir} (secured only). */
    private void enrol(int devices, Path stateDir) throws IOException {
      for (int i = 0; fleet != null && i < devices; i++) {
        String id = FleetSimulator.id(ID_PREFIX, i, devices);
        broker.enrol(id, FleetSimulator.GROUP, stateDir.resolve(id));
      }
    }
  }

  private static final String ID_PREFIX = "sim";

  /** Counts a run with one monitor storing into SQLite in {@code dir}. */
  Counts run(Path dir, String brokerUrl) throws Exception {
    return run(dir, brokerUrl, null, 1, null);
  }

  /**
   * Counts a run with {@code collectors} monitors sharing the subscription ({@code --shared}) into
   * the PostgreSQL database {@code postgresUrl}, or one monitor into SQLite if it is null.
   */
  Counts run(Path dir, String brokerUrl, String postgresUrl, int collectors) throws Exception {
    return run(dir, brokerUrl, postgresUrl, collectors, null);
  }

  /** As {@link #run(Path, String, String, int)}, with {@code fault} injected while devices train. */
  Counts run(Path dir, String brokerUrl, String postgresUrl, int collectors, Fault fault) throws Exception {
    return run(dir, Access.plain(brokerUrl), postgresUrl, collectors, fault);
  }

  /** As {@link #run(Path, String, String, int, Fault)}, reaching the broker as {@code access} says. */
  Counts run(Path dir, Access access, String postgresUrl, int collectors, Fault fault) throws Exception {
    String database = postgresUrl != null ? postgresUrl : "jdbc:sqlite:" + dir.resolve("run-1").resolve("telemetry.db");
    List<SpelaProcess> monitors = new ArrayList<>();
    List<String[]> arguments = new ArrayList<>();
    try (MosquittoSub thirdParty = MosquittoSub.start(access.hostPort(), access.hostLogin(), access.caFile(),
        "spela/v2/+/DATA/+")) {
      for (int k = 1; k <= collectors; k++) {
        List<String> args = new ArrayList<>(List.of("monitor"));
        args.addAll(access.securityOptions());
        args.addAll(List.of("--broker", access.hostUrl(), "--host-id", "sim-host", "--run",
            dir.resolve("run-" + k).toString(), "--client-id", "sim-monitor-" + k, "--session-expiry", "3600"));
        if (postgresUrl != null) {
          args.addAll(List.of("--store", postgresUrl, "--shared", "collectors"));
        }
        arguments.add(args.toArray(String[]::new));
        monitors.add(SpelaProcess.start(dir, "monitor-" + k, arguments.get(k - 1)));
      }
      for (SpelaProcess monitor : monitors) {
        monitor.awaitLine("monitoring ", FakeFleet.WAIT_SECONDS);
      }
      return run(dir, access, database, new Monitors(dir, database, monitors, arguments), thirdParty, fault);
    } finally {
      monitors.forEach(SpelaProcess::close);
    }
  }

  private Counts run(Path dir, Access access, String database, Monitors monitors, MosquittoSub thirdParty,
      Fault fault) throws Exception {
    access.enrol(devices, dir.resolve("devices"));
    List<String> args = new ArrayList<>(List.of("fleet", "simulate"));
    args.addAll(access.securityOptions());
    args.addAll(List.of("--broker", access.deviceUrl(), "--host-broker", access.hostUrl(), "--host-id", "sim-host",
        "--id-prefix", ID_PREFIX,
        "--devices", Integer.toString(devices), "--data-dir", FleetScenarios.sharedMnist().toString(),
        "--max-train", Integer.toString(records * recordEvery), "--record-every", Integer.toString(recordEvery),
        "--epochs", Integer.toString(epochs), "--state-dir", dir.resolve("devices").toString()));
    if (layers != null) {
      args.addAll(List.of("--layers", layers));
    }
    try (SpelaProcess simulator = SpelaProcess.start(dir, "simulator", List.of("-Xmx" + heap),
        args.toArray(String[]::new))) {
      if (fault != null) {
        fault.inject(monitors);
      }
      int exit;
      if (epochs == 0) {
        monitors.awaitMoreStored(2L * devices); // the fleet is back: every device stored records again
        exit = simulator.terminate();
      } else {
        exit = simulator.awaitExit(3600);
      }
      List<String> output = simulator.output();
      assertEquals(epochs == 0 ? SpelaProcess.TERMINATED : 0, exit, "fleet simulate exited with " + exit + ": "
          + output + "\n" + Files.readString(dir.resolve("simulator.log")));
      String summary = line(output, SENT);
      Matcher sentMatch = SENT.matcher(summary);
      sentMatch.matches();
      long sent = Long.parseLong(sentMatch.group(1).replace(",", ""));
      String host = line(output, Pattern.compile("^host: .*"));
      List<MosquittoSub.Received> received;
      if (fault == null) {
        received = thirdParty.awaitReceived((int) sent, FakeFleet.WAIT_SECONDS);
        FakeFleet.awaitStored(database, sent);
      } else {
        // "sent" counts records sent again after a fault too, and backpressure makes fewer, wider
        // records: the devices are done and the broker has all they took; wait until the monitor
        // has stored what the broker holds for it (after ten monitor restarts, minutes of records
        // on a broker that takes the devices' records faster than a monitor stores them), then
        // count the holes, and what the third party received that is not stored.
        awaitStoredWhileGrowing(database, thirdParty);
        received = thirdParty.received();
      }
      List<String> summaries = new ArrayList<>();
      for (SpelaProcess monitor : monitors.processes) {
        if (monitor.alive()) {
          monitor.stop();
          summaries.add(monitor.awaitLine(devices + monitors.otherDevices + " devices seen", 10));
        }
      }
      String monitorSummary = String.join(" | ", summaries);
      long[] store = store(database);
      return new Counts(sent, received.size(), unique(received), store[0], store[1], store[3], monitorSummary, summary,
          host, store[0] / (Math.max(1, store[2]) / 1000.0));
    }
  }

  /**
   * Waits until the store holds every record the third party received and the third party has
   * heard nothing for {@value #THIRD_PARTY_QUIET_SECONDS} s, or the store has not grown for
   * {@value #QUIET_SECONDS} s (what it holds then is what is counted). The third party's count is
   * read again each time: it is a QoS 1 subscriber too, whose backlog the broker hands out late
   * under load (HiveMQ CE, 50 messages at a time). A count read once, when the devices stopped,
   * ended the wait as soon as the store had reached it, with thousands of records still queued for
   * the monitor, and then counted them as never delivered (docs/results.md, "Faults at fleet scale").
   */
  private static void awaitStoredWhileGrowing(String database, MosquittoSub thirdParty) throws Exception {
    long rows = -1;
    long since = System.nanoTime();
    int heard = -1;
    long heardSince = System.nanoTime();
    while (true) {
      long now = rows(database);
      List<MosquittoSub.Received> received = thirdParty.received();
      if (received.size() != heard) {
        heard = received.size();
        heardSince = System.nanoTime();
      }
      boolean thirdPartyQuiet = System.nanoTime() - heardSince > TimeUnit.SECONDS.toNanos(THIRD_PARTY_QUIET_SECONDS);
      if (thirdPartyQuiet && now >= unique(received)) {
        return;
      }
      if (now != rows) {
        rows = now;
        since = System.nanoTime();
      } else if (System.nanoTime() - since > TimeUnit.SECONDS.toNanos(QUIET_SECONDS)) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(200); // polling the database for a count, ended by quiet
    }
  }

  private static final long QUIET_SECONDS = 15;
  private static final long THIRD_PARTY_QUIET_SECONDS = 5;

  private static long rows(String database) throws SQLException {
    try (Connection connection = DriverManager.getConnection(database);
        Statement statement = connection.createStatement();
        ResultSet count = statement.executeQuery("SELECT COUNT(*) FROM telemetry_record")) {
      count.next();
      return count.getLong(1);
    }
  }

  private static String line(List<String> output, Pattern pattern) {
    return output.stream().filter(l -> pattern.matcher(l).matches()).findFirst()
        .orElseThrow(() -> new AssertionError("no line matching " + pattern + " in " + output));
  }

  /** Distinct records by the wire's key: device (from the topic), life, boot and record number. */
  private static long unique(List<MosquittoSub.Received> received) {
    Set<String> keys = new HashSet<>();
    DataMessage data = new DataMessage();
    for (MosquittoSub.Received message : received) {
      byte[] payload = message.payload();
      assertEquals(FleetStatus.OK, data.wrap(payload, 0, payload.length), "a valid DATA on " + message.topic());
      keys.add(message.topic() + "/" + data.lifeId() + "/" + data.bootCount() + "/" + data.recordCounter());
    }
    return keys.size();
  }

  /**
   * {rows, distinct keys, milliseconds from the first commit to the last, records missing below
   * each boot's largest record number}.
   */
  private static long[] store(String database) throws SQLException {
    try (Connection connection = DriverManager.getConnection(database);
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT DISTINCT device, life,"
            + " boot_count, record FROM telemetry_record) AS k), MAX(stored_ms) - MIN(stored_ms), (SELECT"
            + " COALESCE(SUM(last + 1 - n), 0) FROM (SELECT MAX(record) AS last, COUNT(*) AS n FROM telemetry_record"
            + " GROUP BY device, life, boot_count) AS b) FROM telemetry_record")) {
      row.next();
      return new long[] {row.getLong(1), row.getLong(2), row.getLong(3), row.getLong(4)};
    }
  }
}
