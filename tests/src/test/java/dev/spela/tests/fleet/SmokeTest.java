package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.*;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.device.BoardLimits;
import dev.spela.boards.device.VirtualDevice;
import dev.spela.data.Dataset;
import dev.spela.fleet.*;
import dev.spela.protocols.fleet.CommandMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
  @TempDir Path dir;

  @Test
  void smoke() throws Exception {
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    Dataset mnist = Dataset.read("mnist", module.toAbsolutePath().getParent().resolve("../shared/datasets/mnist").normalize());
    List<TelemetryRecord> records = new CopyOnWriteArrayList<>();
    try (EmbeddedBroker broker = EmbeddedBroker.start();
        FleetHost host = FleetHost.open(broker.url(), "test-host", FleetHost.Options.primary(true, null),
            new FleetHost.Listener() { public void onTelemetry(TelemetryRecord r) { records.add(r); } })) {
      BoardLimits limits = new BoardLimits(BoardCatalogue.standard().byId("nrf52840"));
      VirtualDevice device = VirtualDevice.start(new VirtualDevice.Config("vd-1", "lab", "test-host", broker.url(),
          dir, limits, FleetData.shard(mnist, 0, 2, 2000, 500), 250, 2, 1));
      assertTrue(host.awaitDevice("vd-1", d -> true, Duration.ofSeconds(20)).isPresent());
      byte[] image = StarterImage.build(new int[] {784, 32, 16}, 10, 0.01, 1);
      long t0 = System.nanoTime();
      FleetHost.Verdict verdict = host.offer("vd-1", image, 12, null).await(Duration.ofSeconds(60));
      System.out.println("verdict " + verdict.describe() + " in " + (System.nanoTime() - t0) / 1e6 + " ms");
      assertTrue(verdict.confirmed());
      assertTrue(host.awaitDevice("vd-1", d -> d.layers() == 2, Duration.ofSeconds(20)).isPresent());
      assertTrue(host.command("vd-1", CommandMessage.START, 0, Duration.ofSeconds(20)).ok());
      assertTrue(host.await(h -> records.stream().anyMatch(r -> r.trainingState() == 0), Duration.ofSeconds(60)));
      FleetHost.Ack eval = host.command("vd-1", CommandMessage.EVALUATE, 0, Duration.ofSeconds(20));
      System.out.println("eval " + Arrays.toString(eval.accuracyQ15()) + " records " + records.size() + " drops " + host.droppedTotal());
      device.close();
    }
  }
}
