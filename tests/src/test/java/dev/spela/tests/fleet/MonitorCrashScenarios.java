package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.fleet.TelemetryReader;
import dev.spela.fleet.TelemetryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * At-least-once into an idempotent store, end to end (issue 8, item 3): {@code spela monitor} in
 * a process of its own is killed with SIGKILL while records pour in; a new monitor with the same
 * client id resumes the MQTT session, and the database then holds every record the devices
 * published exactly once. The broker kept what the dead monitor had not acknowledged (it
 * acknowledges only after its database commit) and what arrived while no monitor ran.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MonitorCrashScenarios {

  static final int DEVICES = 4;
  static final int RECORDS = 1_500;

  private TestBroker broker;
  private String url;

  /** Starts the broker the scenarios run against. */
  abstract TestBroker broker(Path dir) throws Exception;

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    broker = broker(dir);
    url = broker.url();
  }

  @AfterAll
  void tearDown() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void aMonitorKilledMidRunLosesNothingOnceANewOneResumesItsSession(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    String database = TelemetryStore.sqliteUrl(run);
    // Plain MQTT on purpose: FakeFleet publishes as many devices on one connection, which the
    // fleet's per-device policy refuses; this test is about storage and sessions (FleetScenarios
    // runs the same monitor path secured).
    String[] monitor = {"monitor", "--insecure", "--broker", url, "--host-id", "crash-host", "--run", run.toString(),
        "--client-id", "crash-monitor", "--session-expiry", "600"};
    long total = (long) DEVICES * RECORDS;
    AtomicReference<Exception> publishing = new AtomicReference<>();
    long storedAtKill;
    try (SpelaProcess first = SpelaProcess.start(dir, "first", monitor);
        FakeFleet fleet = new FakeFleet(url, "crash", DEVICES)) {
      first.awaitLine("monitoring ", FakeFleet.WAIT_SECONDS);
      fleet.birth();
      Thread publisher = new Thread(() -> {
        try {
          fleet.data(RECORDS);
        } catch (Exception e) {
          publishing.set(e);
        }
      }, "fake-fleet");
      publisher.start();
      storedAtKill = FakeFleet.awaitStored(database, total / 20);
      first.kill();
      publisher.join(TimeUnit.SECONDS.toMillis(FakeFleet.WAIT_SECONDS));
      assertEquals(null, publishing.get(), "every record was published and acknowledged by the broker");
    }
    assertTrue(storedAtKill < total, "killed mid-run: " + storedAtKill + " of " + total + " stored");

    try (SpelaProcess second = SpelaProcess.start(dir, "second", monitor)) {
      assertTrue(second.awaitLine("monitoring ", FakeFleet.WAIT_SECONDS).contains("session kept 600 s"));
      FakeFleet.awaitStored(database, total);
      second.stop(); // SIGTERM, as Ctrl-C: the shutdown hook stores, reports and prints the summary
      String summary = second.awaitLine("4 devices seen", FakeFleet.WAIT_SECONDS);
      assertTrue(summary.contains("; 0 records lost"), summary);
    }
    try (TelemetryStore store = TelemetryStore.open(database);
        TelemetryReader reader = store.reader()) {
      List<TelemetryReader.SessionCount> sessions = reader.sessions();
      assertEquals(DEVICES, sessions.size());
      for (TelemetryReader.SessionCount session : sessions) {
        assertEquals(RECORDS, session.records(), "every record of " + session.device() + " once");
        assertEquals(RECORDS - 1, session.lastRecord());
        assertEquals(0, session.missing());
      }
    }
    assertTrue(Files.isRegularFile(run.resolve("report.html")));
  }

  /**
   * The same at fleet scale, small: {@code spela fleet simulate} with four devices that train until
   * their monitor was killed three times and restarted (FleetFaultBenchmark kills it ten times
   * among 16 devices). Each record the devices numbered is stored once, with no hole, and matches
   * what a third-party subscriber received (which gets the records sent again to each new monitor
   * session twice).
   */
  @Test
  void simulatedDevicesLoseNothingWhileTheirMonitorIsKilledThreeTimes(@TempDir Path dir) throws Exception {
    int devices = 4;
    SimulatedFleetRun.Counts counts = new SimulatedFleetRun(devices, 100, 10, "784,32,16", "512m", 0)
        .run(dir, url, null, 1, monitors -> {
          for (int kill = 1; kill <= 3; kill++) {
            monitors.awaitMoreStored(2L * devices);
            monitors.killAndRestart(0);
          }
        });
    String figures = counts.describe("three monitor kills", devices);
    assertEquals(0, counts.lost(), figures);
    assertEquals(counts.stored(), counts.storedUnique(), figures);
    // Each new monitor session gets the devices' records in flight again (PROTOCOL.md section 9,
    // "Receipts"): at most 32 a device a restart reach the third party twice; the store keeps one.
    assertTrue(counts.duplicatesReceived() <= 3L * devices * 32, figures);
    assertEquals(counts.receivedUnique(), counts.storedUnique(), figures);
    // The simulator counts its publishes once its devices have stopped: the third party, on one
    // connection to a broker that stays up, cannot have received more (the summary read before
    // the devices stopped was up to 157 short).
    assertTrue(counts.sent() >= counts.received(), figures);
    assertTrue(counts.monitorSummary().contains("; 0 records lost"), figures);
    // What the monitor's session queued while it was away is stored, not counted as dropped.
    assertTrue(counts.monitorSummary().endsWith(", 0 dropped"), figures);
  }
}
