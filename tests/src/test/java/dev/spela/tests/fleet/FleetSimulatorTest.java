package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spela fleet simulate} end to end, small: 16 virtual devices in one process on the
 * embedded broker, 20 records each; every record the simulator sent arrives once at a third-party
 * subscriber and is stored once by {@code spela monitor}, and none is lost. The large runs (64 and
 * 256 devices, both brokers) are {@link FleetSimulatorBenchmark}.
 */
class FleetSimulatorTest {

  private static final int DEVICES = 16;
  private static final int RECORDS = 20;

  @Test
  void everyRecordOfSixteenSimulatedDevicesIsStoredExactlyOnce(@TempDir Path dir) throws Exception {
    try (TestBroker broker = TestBroker.embedded()) {
      SimulatedFleetRun.Counts counts = new SimulatedFleetRun(DEVICES, RECORDS, 2, "784,32,16", "512m")
          .run(dir, broker.url());
      long expected = (long) DEVICES * RECORDS;
      assertEquals(expected, counts.sent(), counts.simulatorSummary());
      assertEquals(expected, counts.received(), "third-party subscriber");
      assertEquals(expected, counts.receivedUnique(), "third-party subscriber, distinct records");
      assertEquals(expected, counts.stored(), "rows in the monitor's store");
      assertEquals(expected, counts.storedUnique(), "distinct records in the monitor's store");
      assertTrue(counts.monitorSummary().contains(expected + " records stored, 0 duplicates ignored; 0 records lost"),
          counts.monitorSummary());
    }
  }
}
