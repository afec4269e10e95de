package dev.spela.tests.fleet;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's faults at fleet scale (docs/results.md, "Faults at fleet scale"): {@code spela fleet
 * simulate} with N devices, a {@code spela monitor} process with a persistent session and a
 * third-party subscriber, while a fault is injected: the monitor killed with SIGKILL ten times in a
 * row, one of two collectors sharing the subscription killed, the monitor paused for 15 s, the
 * broker down for 5 s and for 60 s (Mosquitto), and for 5 s (the embedded broker with its file
 * persistence). Prints one line of figures per run: records stored, and records lost (holes in each
 * boot's record numbers, which include what devices dropped from a full buffer). Devices train a
 * few epochs, or, for the faults that take longer, until the fault is over. Run by {@code
 * tests/bench/faults.sh}.
 */
@Tag("benchmark")
class FleetFaultBenchmark {

  private static final SimulatedFleetRun RUN = new SimulatedFleetRun(
      Integer.getInteger("bench.devices", 16),
      Integer.getInteger("bench.records", 400),
      Integer.getInteger("bench.recordEvery", 10),
      System.getProperty("bench.layers", "784,32,16"),
      System.getProperty("bench.heap", "2g"),
      Integer.getInteger("bench.epochs", 5));
  private static final long TOTAL = (long) RUN.devices() * RUN.records();

  @Test
  void embeddedBrokerMonitorKilledTenTimes(@TempDir Path dir) throws Exception {
    run(TestBroker.embedded(), dir, "embedded HiveMQ CE, monitor kill -9 x 10", RUN.untilFaultIsOver(),
        this::killTenTimes);
  }

  @Test
  void mosquittoMonitorKilledTenTimes(@TempDir Path dir) throws Exception {
    run(TestBroker.mosquitto(dir), dir, "Mosquitto, monitor kill -9 x 10", RUN.untilFaultIsOver(),
        this::killTenTimes);
  }

  @Test
  void embeddedBrokerMonitorPaused(@TempDir Path dir) throws Exception {
    run(TestBroker.embedded(), dir, "embedded HiveMQ CE, monitor paused 15 s", this::pause);
  }

  @Test
  void mosquittoMonitorPaused(@TempDir Path dir) throws Exception {
    run(TestBroker.mosquitto(dir), dir, "Mosquitto, monitor paused 15 s", this::pause);
  }

  @Test
  void embeddedBrokerSharedCollectorKilled(@TempDir Path dir) throws Exception {
    sharedCollectorKilled(TestBroker.embedded(), dir, "embedded HiveMQ CE");
  }

  @Test
  void mosquittoSharedCollectorKilled(@TempDir Path dir) throws Exception {
    sharedCollectorKilled(TestBroker.mosquitto(dir), dir, "Mosquitto");
  }

  /**
   * Two collectors sharing the subscription ({@code --shared}) into PostgreSQL; one is killed with
   * SIGKILL for good once an eighth of an epoch is stored, and the other goes on alone.
   */
  private static void sharedCollectorKilled(TestBroker broker, Path dir, String name) throws Exception {
    try (broker; Postgres postgres = Postgres.start(true)) {
      report(name + ", one of 2 shared collectors killed", RUN.untilFaultIsOver().run(dir, broker.url(),
          postgres.url(), 2, monitors -> {
            monitors.awaitStored(TOTAL / 8);
            monitors.kill(0);
          }));
    }
  }

  /**
   * A pause long enough to fill the devices' buffers: with receipts they stop after 32 records in
   * flight and widen their windows, and once their 64 records are full they hold their windows
   * open (before, they dropped the oldest never sent: holes). Give the devices epochs enough to
   * fill them ({@code EPOCHS=100}): the run ends once every device has trained them and its buffer
   * is empty, so that every record a device kept is counted (devices stopped while their buffers
   * still held a backlog would hide holes above the last record stored).
   */
  @Test
  void mosquittoMonitorPausedThreeMinutes(@TempDir Path dir) throws Exception {
    run(TestBroker.mosquitto(dir), dir, "Mosquitto, monitor paused 180 s", monitors -> {
      monitors.awaitStored(TOTAL / 8);
      monitors.pause(0, 180);
    });
  }

  /** One run on {@code broker} (closed after it) with {@code fault}, reported as {@code name}. */
  private static void run(TestBroker broker, Path dir, String name, SimulatedFleetRun.Fault fault) throws Exception {
    run(broker, dir, name, RUN, fault);
  }

  /** As above, with {@code run}'s devices. */
  private static void run(TestBroker broker, Path dir, String name, SimulatedFleetRun run,
      SimulatedFleetRun.Fault fault) throws Exception {
    try (broker) {
      report(name, run.run(dir, broker.url(), null, 1, fault));
    }
  }

  @Test
  void mosquittoDownFiveSeconds(@TempDir Path dir) throws Exception {
    brokerDown(TestBroker.persistentMosquitto(dir, 5), dir, "Mosquitto (persistent), down 5 s");
  }

  @Test
  void mosquittoDownOneMinute(@TempDir Path dir) throws Exception {
    brokerDown(TestBroker.persistentMosquitto(dir, 60), dir, "Mosquitto (persistent), down 60 s");
  }

  @Test
  void embeddedBrokerDownFiveSeconds(@TempDir Path dir) throws Exception {
    brokerDown(TestBroker.embeddedOnDisk(dir.resolve("broker-data"), 5), dir,
        "embedded HiveMQ CE (file persistence), down 5 s");
  }

  @Test
  void embeddedBrokerDownOneMinute(@TempDir Path dir) throws Exception {
    brokerDown(TestBroker.embeddedOnDisk(dir.resolve("broker-data"), 60), dir,
        "embedded HiveMQ CE (file persistence), down 60 s");
  }

  /** A broker that keeps sessions on disk (as spela sets brokers up) restarted with an outage. */
  private void brokerDown(TestBroker broker, Path dir, String name) throws Exception {
    try (broker) {
      report(name, RUN.run(dir, broker.url(), null, 1, monitors -> {
        monitors.awaitStored(TOTAL / 8);
        broker.restart();
      }));
    }
  }

  /**
   * Ten kills, each once the new monitor stored two more records a device (devices hold records
   * and widen their windows while it is away). The devices train until the kills are over: with
   * five epochs they were done after a few restarts (each a JVM start, 5 to 20 s on a loaded
   * machine, while their windows widened), and the run waited for records no device would make.
   */
  private void killTenTimes(SimulatedFleetRun.Monitors monitors) throws Exception {
    for (int kill = 1; kill <= 10; kill++) {
      monitors.awaitMoreStored(2L * RUN.devices());
      monitors.killAndRestart(0);
    }
  }

  private void pause(SimulatedFleetRun.Monitors monitors) throws Exception {
    monitors.awaitStored(TOTAL / 8);
    monitors.pause(0, 15);
  }

  private static void report(String fault, SimulatedFleetRun.Counts counts) throws Exception {
    System.out.println(counts.describe(fault, RUN.devices()));
  }
}
