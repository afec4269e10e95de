package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One of two collectors sharing the telemetry ({@code spela monitor --shared}, persistent sessions,
 * one PostgreSQL database) killed with SIGKILL for good while devices train (issue 8, PROTOCOL.md
 * section 7, "Collectors sharing DATA"): every record the broker accepted is stored, by the one that
 * remains. On Mosquitto the killed collector's session keeps its share of every later record for
 * it alone; the survivor takes that session over and stores what it held (FleetFaultBenchmark runs
 * the same with 16 devices). On a plain broker, and on one secured by a fleet folder (TLS, accounts:
 * the survivor drains the other's session with the fleet's host account).
 */
abstract class SharedCollectorScenarios {

  /** Starts the plain broker the scenario runs against (closed after it). */
  abstract TestBroker broker(Path dir) throws Exception;

  /** Starts the broker secured by {@code fleet}, as spela sets it up. */
  abstract TestBroker securedBroker(FleetSecurity fleet, Path dir) throws Exception;

  @Test
  void aCollectorKilledForGoodLeavesNoRecordBehind(@TempDir Path dir) throws Exception {
    try (TestBroker broker = broker(dir)) {
      killOneOfTwo(dir, SimulatedFleetRun.Access.plain(broker.url()));
    }
  }

  @Test
  void aCollectorKilledForGoodInASecuredFleetLeavesNoRecordBehind(@TempDir Path dir) throws Exception {
    FleetSecurity fleet = FleetSecurity.open(dir.resolve("fleet"));
    try (TestBroker broker = securedBroker(fleet, dir)) {
      killOneOfTwo(dir, SimulatedFleetRun.Access.secured(broker, fleet));
    }
  }

  private static void killOneOfTwo(Path dir, SimulatedFleetRun.Access access) throws Exception {
    int devices = 4;
    try (Postgres postgres = Postgres.start(false)) {
      SimulatedFleetRun.Counts counts = new SimulatedFleetRun(devices, 100, 10, "784,32,16", "512m", 0)
          .run(dir, access, postgres.url(), 2, monitors -> {
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
