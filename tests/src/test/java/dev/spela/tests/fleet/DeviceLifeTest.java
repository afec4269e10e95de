package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.device.BoardLimits;
import dev.spela.boards.device.VirtualDevice;
import dev.spela.data.Dataset;
import dev.spela.fleet.FleetData;
import dev.spela.fleet.FleetDemo;
import dev.spela.fleet.FleetHost;
import dev.spela.fleet.FleetMonitor;
import dev.spela.fleet.LiveFleet;
import dev.spela.fleet.ModelCatalogue;
import dev.spela.fleet.TelemetryReader;
import dev.spela.fleet.TelemetryRecord;
import dev.spela.fleet.TelemetryStore;
import dev.spela.protocols.fleet.CommandMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device lives (issue 8 item 2, PROTOCOL.md sections 2 and 9): a device whose state is wiped comes
 * back under the same id with a new life; its records, numbered from 0 again, are all stored next
 * to the old ones instead of being taken for duplicates.
 */
class DeviceLifeTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int[] SMALL_MODEL = {784, 32, 16};

  @Test
  void aWipedDeviceComesBackUnderItsIdWithANewLifeAndEveryRecordIsStored(@TempDir Path dir) throws Exception {
    Dataset mnist = Dataset.read("mnist", FleetScenarios.sharedMnist());
    BoardLimits limits = new BoardLimits(BoardCatalogue.standard().byId("nrf52840"));
    byte[] image = FleetDemo.untrainedImage(SMALL_MODEL, 10, 0.01, 3);
    String id = "vd-wiped";
    Path run = Files.createDirectories(dir.resolve("run"));
    try (Mosquitto broker = Mosquitto.start(dir);
        TelemetryStore store = TelemetryStore.open(TelemetryStore.sqliteUrl(run));
        FleetMonitor monitor = new FleetMonitor(store, new LiveFleet("lives", store.url(),
            new ModelCatalogue(List.of())), false)) {
      AtomicReference<CountDownLatch> trained = new AtomicReference<>();
      FleetHost.Listener end = new FleetHost.Listener() {
        @Override
        public void onTelemetry(TelemetryRecord record) {
          if (record.trainingState() == 0 && record.epoch() >= 1) {
            trained.get().countDown();
          }
        }
      };
      try (FleetHost host = FleetHost.open(broker.url(), "host-lives", FleetHost.Options.primary(true, null),
          monitor, end)) {
        String[] lives = new String[2];
        for (int life = 0; life < 2; life++) {
          trained.set(new CountDownLatch(1));
          VirtualDevice.program(dir, id, limits, image);
          try (VirtualDevice device = VirtualDevice.start(new VirtualDevice.Config(id, "lab", "host-lives",
              broker.url(), dir, limits, FleetData.shard(mnist, life, 16, 600, 10), 50, 1_000, 1))) {
            String earlier = life == 0 ? null : lives[0];
            lives[life] = host.awaitDevice(id, d -> !d.life().equals(earlier), WAIT).orElseThrow().life();
            assertTrue(host.command(id, CommandMessage.START, 0, WAIT).ok());
            assertTrue(trained.get().await(WAIT.toSeconds(), TimeUnit.SECONDS), "one epoch trained");
          }
          FleetScenarios.wipe(dir.resolve(id)); // a factory reset: the device's whole flash is gone
        }
        assertTrue(monitor.flush(WAIT.toMillis()));
        assertNotEquals(lives[0], lives[1], "a wiped device starts a new life");
        assertEquals(16, lives[0].length(), "a life id as 16 hex digits: " + lives[0]);

        try (TelemetryReader reader = store.reader()) {
          List<TelemetryReader.SessionCount> boots = reader.sessions();
          assertEquals(2, boots.size(), "one boot in each life: " + boots);
          for (TelemetryReader.SessionCount boot : boots) {
            assertEquals(1, boot.boot());
            assertTrue(boot.records() >= 12, "600 samples, a record per 50: " + boot);
            assertEquals(0, boot.missing(), "every record of the life stored: " + boot);
          }
          assertEquals(boots.get(0).records(), boots.get(1).records());
          assertEquals(List.of(lives[0], lives[1]).stream().sorted().toList(),
              boots.stream().map(TelemetryReader.SessionCount::life).toList());
          assertEquals(boots.get(0).records() + boots.get(1).records(), reader.records().size());
        }
        assertEquals(0, store.duplicates(), "no record of the new life taken for one of the old");
      }
    }
  }
}
