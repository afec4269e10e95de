package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.fleet.TelemetryReader;
import dev.spela.fleet.TelemetryRecord;
import dev.spela.fleet.TelemetryStore;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.protocols.fleet.DeathMessage;
import dev.spela.protocols.fleet.FleetStatus;
import java.nio.file.Path;
import java.util.List;
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
    long start = System.currentTimeMillis();
    try (TestBroker broker = TestBroker.embedded()) {
      SimulatedFleetRun.Counts counts = new SimulatedFleetRun(DEVICES, RECORDS, 2, "784,32,16", "512m")
          .run(dir, broker.url());
      long end = System.currentTimeMillis();
      long expected = (long) DEVICES * RECORDS;
      assertEquals(expected, counts.sent(), counts.simulatorSummary());
      assertEquals(expected, counts.received(), "third-party subscriber");
      assertEquals(expected, counts.receivedUnique(), "third-party subscriber, distinct records");
      assertEquals(expected, counts.stored(), "rows in the monitor's store");
      assertEquals(expected, counts.storedUnique(), "distinct records in the monitor's store");
      assertTrue(counts.monitorSummary().contains(expected + " records stored, 0 duplicates ignored; 0 records lost"),
          counts.monitorSummary());
      // Each record carries its device's wall clock when it was taken (a simulated device has one,
      // PROTOCOL.md DATA's deviceTimeMs), stored as the 64-bit value: not a clamp to 32 bits, not 0.
      try (TelemetryStore store = TelemetryStore.open(TelemetryStore.sqliteUrl(dir.resolve("run-1")));
          TelemetryReader reader = store.reader()) {
        for (TelemetryRecord record : reader.records()) {
          assertTrue(record.deviceTimeMs() >= start && record.deviceTimeMs() <= end,
              "device time " + record.deviceTimeMs() + " of " + record.device() + " record " + record.recordCounter()
                  + " outside the run, " + start + " .. " + end);
        }
      }
    }
  }

  /**
   * Ctrl-C while the devices train without end: the simulator prints its summary, and every device
   * says goodbye (DEATH with reason SHUTDOWN, published by the device, not the broker's will).
   */
  @Test
  void ctrlCStopsEveryDeviceCleanly(@TempDir Path dir) throws Exception {
    // Secured, as by default: the simulated devices are enrolled in the fleet folder and log in.
    FleetSecurity fleet = FleetSecurity.open(dir.resolve("fleet"));
    String folder = fleet.folder().toString();
    try (TestBroker broker = TestBroker.secureEmbedded(fleet);
        SpelaProcess monitor = SpelaProcess.start(dir, "monitor", "monitor", "--broker", broker.url(), "--fleet",
            folder, "--host-id", "sim-host", "--run", dir.resolve("run").toString());
        MosquittoSub thirdParty = MosquittoSub.start(broker.hostPort(), broker.hostLogin(),
            fleet.authority().caCertificateFile(), "spela/v2/+/DEATH/+")) {
      monitor.awaitLine("monitoring ", FakeFleet.WAIT_SECONDS);
      try (SpelaProcess simulator = SpelaProcess.start(dir, "simulator", List.of("-Xmx512m"), "fleet", "simulate",
          "--broker", broker.url(), "--fleet", folder, "--host-id", "sim-host", "--devices", Integer.toString(DEVICES),
          "--data-dir",
          FleetScenarios.sharedMnist().toString(), "--max-train", "40", "--record-every", "4", "--epochs", "0",
          "--layers", "784,32,16", "--memory-flash")) {
        simulator.awaitLine("[", FakeFleet.WAIT_SECONDS); // the first progress line: the devices are running
        simulator.stop();
        assertTrue(simulator.output().stream().anyMatch(line -> line.matches("[0-9,]+ records sent in .*")),
            "the summary: " + simulator.output());
      }
      List<MosquittoSub.Received> deaths = thirdParty.awaitReceived(DEVICES, FakeFleet.WAIT_SECONDS);
      assertEquals(DEVICES, deaths.size(), "DEATH messages");
      DeathMessage death = new DeathMessage();
      for (MosquittoSub.Received message : deaths) {
        assertEquals(FleetStatus.OK, death.wrap(message.payload(), 0, message.payload().length));
        assertEquals(DeathMessage.SHUTDOWN, death.reason(), message.topic());
      }
      monitor.stop();
    }
  }
}
