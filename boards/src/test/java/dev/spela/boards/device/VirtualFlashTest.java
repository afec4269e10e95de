package dev.spela.boards.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.agent.AgentConfig;
import dev.spela.agent.AgentEvent;
import dev.spela.agent.Clock;
import dev.spela.agent.DeviceAgent;
import dev.spela.agent.DeviceFlash;
import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.Names;
import dev.spela.protocols.storage.FlashStatus;
import dev.spela.runtime.MemoryPlan;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A virtual board's flash in files: it keeps the flash rules and survives reopening, and the
 * device boots what it can after its files were truncated or overwritten (issue 8, item 7): one
 * report each, no exception.
 */
class VirtualFlashTest {

  private static final int INPUT = 64;
  private static final int CLASSES = 4;
  private static final Samples ALL = TestModels.prototypes(INPUT, CLASSES, 400, 7);
  private static final DataShard SHARD = new DataShard("prototypes", ALL.shard(0, 2, 200), ALL.shard(1, 2, 100));
  private static final BoardLimits NRF = new BoardLimits(BoardCatalogue.standard().byId("nrf52840"));

  @TempDir Path dir;
  private final List<int[]> reports = new ArrayList<>();

  private DeviceAgent boot() throws IOException {
    MemoryPlan capacity = NRF.capacity(INPUT, CLASSES);
    DeviceFlash flash = VirtualDevice.openFlash(dir, NRF, capacity);
    AgentConfig config = new AgentConfig()
        .identity(Names.of("vd-1"), Names.of("lab"), Names.of("host"))
        .board(Names.of("nrf52840"))
        .capacity(capacity);
    DeviceAgent agent = new DeviceAgent(config, flash, new QuietLink(), new DatasetSensor(SHARD), new Clock() {
      @Override
      public long millis() {
        return 0;
      }

      @Override
      public long micros() {
        return 0;
      }
    }, (event, first, second) -> reports.add(new int[] {event, first, second}));
    agent.boot();
    return agent;
  }

  private boolean reported(int event) {
    return reports.stream().anyMatch(r -> r[0] == event);
  }

  @Test
  void aFileFlashKeepsTheFlashRulesAndReadsAShortFileAsErased() throws IOException {
    Path file = dir.resolve("area.bin");
    Files.write(file, new byte[] {1, 2, 3});
    FileFlash area = FileFlash.open(file, 8192, 4096);
    byte[] read = new byte[5];
    assertEquals(FlashStatus.OK, area.read(0, read, 0, 5));
    assertArrayEquals(new byte[] {1, 2, 3, -1, -1}, read);
    assertEquals(FlashStatus.NOT_ERASED, area.write(0, read, 0, 1));
    assertEquals(FlashStatus.OK, area.write(3, read, 0, 2));
    assertEquals(FlashStatus.MISALIGNED, area.erase(0, 100));
    assertEquals(FlashStatus.OK, area.erase(0, 4096));
    assertEquals(FlashStatus.OUT_OF_RANGE, area.read(8190, read, 0, 5));
    assertEquals(FlashStatus.OK, area.write(100, new byte[] {9}, 0, 1));
    FileFlash reopened = FileFlash.open(file, 8192, 4096);
    reopened.read(100, read, 0, 1);
    assertEquals(9, read[0], "written bytes survive reopening");
    assertEquals(8192, Files.size(file));
  }

  @Test
  void aTruncatedSlotFileIsReportedAndTheDeviceBootsWithoutAModel() throws IOException {
    byte[] image = TestModels.image(INPUT, CLASSES, new int[] {32, 8}, 1);
    VirtualDevice.program(dir, "", NRF, image);
    assertTrue(boot().board().running());
    truncate(dir.resolve("slot0.bin"), image.length / 2);
    DeviceAgent agent = boot();
    assertTrue(reported(AgentEvent.SLOT_INVALID));
    assertTrue(!agent.board().running());
  }

  @Test
  void aTruncatedCheckpointFileFallsBackToTheOlderCheckpoint() throws IOException {
    VirtualDevice.program(dir, "", NRF, TestModels.image(INPUT, CLASSES, new int[] {32, 8}, 2));
    DeviceAgent agent = boot();
    agent.board().train(100);
    assertEquals(0, agent.board().checkpoint());
    agent.board().train(50);
    assertEquals(0, agent.board().checkpoint());
    assertEquals(150, agent.board().cursor());
    truncate(newestCheckpoint(), 3000);
    DeviceAgent rebooted = boot();
    assertTrue(reported(AgentEvent.CHECKPOINT_INVALID));
    assertEquals(100, rebooted.board().cursor(), "the older checkpoint");
  }

  @Test
  void anOverwrittenOrEmptiedStateFileIsReportedAndTheImageStillRuns() throws IOException {
    byte[] image = TestModels.image(INPUT, CLASSES, new int[] {32, 8}, 3);
    VirtualDevice.program(dir, "", NRF, image);
    boot();
    for (String name : new String[] {"state0.bin", "state1.bin"}) {
      Files.write(dir.resolve(name), "active=x\nbdseq=abc\n".getBytes(StandardCharsets.US_ASCII));
    }
    DeviceAgent agent = boot();
    assertTrue(reported(AgentEvent.STATE_UNREADABLE));
    assertTrue(agent.board().running(), "slot 0 is found without the state record");
    for (String name : new String[] {"state0.bin", "state1.bin"}) {
      truncate(dir.resolve(name), 0);
    }
    reports.clear();
    assertTrue(boot().board().running());
    assertTrue(!reported(AgentEvent.STATE_UNREADABLE), "an empty record is a new device's");
  }

  /** The checkpoint file whose header has the larger sequence. */
  private Path newestCheckpoint() throws IOException {
    int[] sequence = new int[2];
    for (int copy = 0; copy < 2; copy++) {
      byte[] header = Files.readAllBytes(dir.resolve("checkpoint" + copy + ".bin"));
      sequence[copy] = dev.spela.protocols.image.LittleEndian.i32(header, 8);
    }
    return dir.resolve("checkpoint" + (sequence[1] - sequence[0] > 0 ? 1 : 0) + ".bin");
  }

  private static void truncate(Path file, long length) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(length);
    }
  }
}
