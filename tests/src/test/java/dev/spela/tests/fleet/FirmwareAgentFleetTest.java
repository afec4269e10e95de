package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.BoardPlan;
import dev.spela.boards.device.DeviceCredentials;
import dev.spela.boards.firmware.AgentFirmware;
import dev.spela.cli.SpelaCommand;
import dev.spela.fleet.FleetDemo;
import dev.spela.fleet.FleetHost;
import dev.spela.fleet.FleetMonitor;
import dev.spela.fleet.LiveFleet;
import dev.spela.fleet.ModelCatalogue;
import dev.spela.fleet.TelemetryReader;
import dev.spela.fleet.TelemetryRecord;
import dev.spela.fleet.TelemetryStore;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.runtime.MemoryPlan;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole device on the emulated device: the agent firmware ({@code spela firmware build
 * --agent}) runs in QEMU, its only network its UART on a local socket to a bridge holding its TLS
 * connection and the account the fleet enrolled it with (as a virtual device's in the secure
 * default). It is flashed over the fleet protocol (blocks pulled, the image verified, booted on
 * trial and confirmed), trains, and {@code spela devices} and the monitor see it and store its
 * telemetry as a virtual device's; its peak RAM over the session is the plan's for the agent
 * target, within 2 %.
 */
class FirmwareAgentFleetTest {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String GROUP = "boards";
  private static final String HOST = "host-fw";
  private static final int[] MODEL = {784, 32, 16};

  @Test
  void anEmulatedBoardIsFlashedThroughItsUartBridgeTrainsAndIsStored(@TempDir Path dir) throws Exception {
    String mnist = FleetScenarios.sharedMnist().toString();
    Path factory = dir.resolve("factory.img");
    Files.write(factory, FleetDemo.untrainedImage(MODEL, 10, 0.01, 1));
    Path firmware = dir.resolve("fw");
    spela("firmware", "build", "--board", "nrf52840", "--image", factory.toString(), "--agent",
        "--data-dir", mnist, "--samples", "400", "--held-out", "100", "-o", firmware.toString());

    FleetSecurity fleet = FleetSecurity.open(dir.resolve("fleet"));
    List<String> lines = new CopyOnWriteArrayList<>();
    CountDownLatch trained = new CountDownLatch(1);
    String id = "fw-0001";
    try (TestBroker broker = TestBroker.secureEmbedded(fleet)) {
      DeviceCredentials account = broker.enrol(id, GROUP, dir.resolve(id));
      Path run = dir.resolve("run");
      Files.createDirectories(run);
      String database = TelemetryStore.sqliteUrl(run);
      try (TelemetryStore store = TelemetryStore.open(database);
          FleetMonitor monitor =
              new FleetMonitor(store, new LiveFleet("m", database, new ModelCatalogue(List.of())), true);
          FleetHost host = FleetHost.open(broker.hostUrl(), HOST, FleetHost.Options.primary(true, null),
              broker.hostLogin(), monitor, new FleetHost.Listener() {
                @Override
                public void onTelemetry(TelemetryRecord record) {
                  if (record.trainingState() == 0 && record.epoch() >= 1) {
                    trained.countDown();
                  }
                }
              });
          AgentFirmware board = AgentFirmware.start(firmware, broker.url(), account,
              new AgentFirmware.Settings(id, GROUP, HOST, 100, 2, 1), lines::add)) {
        assertTrue(host.awaitDevice(id, d -> d.layers() == 2, WAIT).isPresent(),
            "the board's BIRTH reached the host: " + lines);
        byte[] image = FleetDemo.untrainedImage(MODEL, 10, 0.01, 2);
        FleetHost.Verdict verdict = host.offer(id, image, 10, null).await(WAIT);
        assertEquals(VerdictMessage.CONFIRMED, verdict.outcome(), verdict.describe() + " " + lines);

        assertTrue(host.command(id, CommandMessage.START, 0, WAIT).ok());
        assertTrue(trained.await(WAIT.toSeconds(), TimeUnit.SECONDS), "training ends after one epoch: " + lines);
        assertTrue(monitor.flush(WAIT.toMillis()));
        Set<Long> numbers = new HashSet<>();
        try (TelemetryReader reader = store.reader()) {
          for (TelemetryRecord record : reader.records()) {
            assertEquals(id, record.device());
            assertTrue(numbers.add(record.recordCounter()), "record " + record.recordCounter() + " once");
          }
        }
        assertEquals(Set.of(0L, 1L, 2L, 3L), numbers, "400 samples, a record per 100");

        assertTrue(devicesListed(broker, dir.resolve("fleet"), id), "spela devices lists the board");

        // The plan of the agent target is what the board measured over the whole session.
        MemoryPlan capacity = new MemoryPlan();
        byte[] factoryImage = Files.readAllBytes(factory);
        capacity.setFromImage(new ArrayFlash(factoryImage), 0, factoryImage.length);
        long planned = BoardPlan.of(BoardCatalogue.standard().byId("nrf52840"), capacity,
            BoardPlan.Target.FIRMWARE_AGENT).ram().device();
        long measured = board.memory().peak();
        assertEquals(planned, measured, planned * 0.02, "planned " + planned + " bytes, measured " + board.memory());
      }
    }
  }

  /**
   * True once {@code spela devices} lists the board: each run listens until answers stop for a
   * moment, which a loaded machine can stretch past the board's answer, so it is asked again.
   */
  private static boolean devicesListed(TestBroker broker, Path fleet, String id) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (spela("devices", "--broker", broker.hostUrl(), "--fleet", fleet.toString(), "--host-id", HOST,
          "--json", "--wait", "10").contains("\"" + id + "\"")) {
        return true;
      }
    }
    return false;
  }

  private static String spela(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(0, SpelaCommand.execute(out, err, args), String.join(" ", args) + ": " + err);
    return out.toString();
  }
}
