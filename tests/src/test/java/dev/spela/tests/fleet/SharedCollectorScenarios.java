package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One of two collectors sharing the telemetry ({@code spela monitor --shared}, persistent sessions,
 * one PostgreSQL database) killed with SIGKILL for good while devices train (issue 8, PROTOCOL.md
 * section 7, "Collectors sharing DATA"): every record the broker accepted is stored, by the one that
 * remains. On Mosquitto the killed collector's session keeps its share of every later record for
 * it alone; the survivor takes that session over and stores what it held (FleetFaultBenchmark runs
 * the same with 16 devices).
 */
abstract class SharedCollectorScenarios {

  /** Starts the broker the scenario runs against (closed after it). */
  abstract TestBroker broker(Path dir) throws Exception;

  @Test
  void aCollectorKilledForGoodLeavesNoRecordBehind(@TempDir Path dir) throws Exception {
    int devices = 4;
    try (TestBroker broker = broker(dir); Postgres postgres = Postgres.start(false)) {
      SimulatedFleetRun.Counts counts = new SimulatedFleetRun(devices, 100, 10, "784,32,16", "512m", 0)
          .run(dir, broker.url(), postgres.url(), 2, monitors -> {
            monitors.awaitMoreStored(4L * devices);
            monitors.kill(0);
            // records keep coming: on Mosquitto, every second one into the killed collector's session
            monitors.awaitMoreStored(8L * devices);
          });
      String figures = counts.describe("one of two shared collectors killed", devices);
      assertEquals(0, counts.lost(), figures);
      assertEquals(counts.stored(), counts.storedUnique(), figures);
      assertEquals(counts.receivedUnique(), counts.storedUnique(), figures);
    }
  }
}
