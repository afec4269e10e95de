package dev.spela.boards.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.spela.boards.BoardCatalogue;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device thread's end is visible to its owner: a thread killed by an unexpected exception
 * hands the exception to {@link VirtualDevice#awaitEnd} (and spela device run exits with 1), a
 * closed one hands nothing.
 */
class VirtualDeviceThreadTest {

  private static final Samples ALL = TestModels.prototypes(64, 4, 300, 3);
  private static final DataShard SHARD = new DataShard("prototypes", ALL.shard(0, 2, 100), ALL.shard(1, 2, 50));

  @TempDir Path dir;

  private VirtualDevice.Config config() {
    return new VirtualDevice.Config("vd-1", "lab", "host", "tcp://127.0.0.1:1", dir,
        new BoardLimits(BoardCatalogue.standard().byId("nrf52840")), SHARD, 50, 2, 1);
  }

  @Test
  void aThreadThatDiesHandsItsFailureToItsOwner() throws Exception {
    IllegalStateException fire = new IllegalStateException("the modem is on fire");
    VirtualDevice device = VirtualDevice.start(config(), events -> new QuietLink() {
      @Override
      public int connect(byte[] willTopic, int willTopicLength, byte[] will, int willLength) {
        throw fire;
      }
    });
    assertEquals(fire, assertTimeoutPreemptively(Duration.ofSeconds(60), device::awaitEnd));
  }

  @Test
  void aClosedDeviceEndsWithoutAFailure() throws Exception {
    VirtualDevice device = VirtualDevice.start(config(), events -> new QuietLink());
    device.close();
    assertNull(assertTimeoutPreemptively(Duration.ofSeconds(60), device::awaitEnd));
  }
}
