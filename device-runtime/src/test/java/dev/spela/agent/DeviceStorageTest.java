package dev.spela.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.storage.ArrayFlash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Device state that survives damage (issue 8, items 6 and 7): slots re-validated at boot, two
 * checkpoints with fallback, a damaged state record, an interrupted trial. Each case is a power
 * cycle over the same emulated flash, its bytes damaged in between.
 */
class DeviceStorageTest {

  /** Flips one byte of an area, as a bad flash cell would. */
  private static void flip(ArrayFlash area, int at) {
    area.bytes()[area.offset() + at] ^= 0x10;
  }

  private static BirthMessage lastBirth(TestDevice device) {
    byte[] payload = device.transport.last(FleetProtocol.BIRTH).payload();
    BirthMessage birth = new BirthMessage();
    birth.wrap(payload, 0, payload.length);
    return birth;
  }

  /**
   * Trains through {@code records} DATA records of 50 samples (a checkpoint every 2 records), and
   * the power goes right after.
   */
  private static void train(TestDevice device, int records) {
    device.command(CommandMessage.START, 0);
    for (int n = 0; n < 10_000 && device.transport.sent(FleetProtocol.DATA).size() < records; n++) {
      device.agent.doWork(device.now);
    }
  }

  @Test
  void aFlippedByteInTheActiveSlotIsNoticedAndItsDigestNeverAnnounced() throws Exception {
    byte[] image = TestDevice.image(1, 32, 8);
    TestDevice device = new TestDevice().program(image).power().online();
    assertEquals(BirthMessage.IMAGE_CONFIRMED, lastBirth(device).imageState());
    flip(device.areas[DeviceFlash.SLOT_0], image.length / 2);
    device.power().online();
    assertTrue(device.reported(AgentEvent.SLOT_INVALID, 0));
    assertTrue(device.reported(AgentEvent.NO_MODEL));
    BirthMessage birth = lastBirth(device);
    assertEquals(BirthMessage.IMAGE_NONE, birth.imageState());
    assertEquals(0, birth.imageLength());
    assertArrayEquals(new byte[32], sha(birth));
  }

  @Test
  void aDamagedActiveSlotFallsBackToTheValidOtherSlot() throws Exception {
    byte[] old = TestDevice.image(2, 32, 8);
    byte[] next = TestDevice.image(3, 16, 8);
    TestDevice device = new TestDevice().program(old).power().online();
    device.offer(5, next, 10, TestDevice.sha256(next));
    device.serve(5, next, 10); // confirmed in slot 1; slot 0 keeps the old image
    flip(device.areas[DeviceFlash.SLOT_1], 200);
    device.power().online();
    assertTrue(device.reported(AgentEvent.SLOT_FALLBACK, 1));
    assertEquals(0, lastBirth(device).activeSlot());
    assertArrayEquals(TestDevice.sha256(old), sha(lastBirth(device)));
    assertEquals(0, device.agent.board().state().activeSlot(), "the state record follows");
  }

  @Test
  void activePointingAtAnEmptySlotRunsTheValidOneWithAReport() throws Exception {
    byte[] image = TestDevice.image(4, 32, 8);
    TestDevice device = new TestDevice().program(image);
    DeviceState state = new DeviceState(device.flash);
    state.load((e, a, b) -> {});
    state.activeSlot = 1;
    assertEquals(0, state.save());
    device.power().online();
    assertTrue(device.reported(AgentEvent.SLOT_FALLBACK, 1));
    assertEquals(0, lastBirth(device).activeSlot());
    assertArrayEquals(TestDevice.sha256(image), sha(lastBirth(device)));
  }

  @ParameterizedTest(name = "{0} checkpoint area(s)")
  @ValueSource(ints = {1, 2})
  void aCorruptOrTruncatedCheckpointFallsBackToAnOlderOneThenToTheImageStart(int areas) {
    TestDevice device =
        new TestDevice(areas, new int[] {32, 8}).program(TestDevice.image(5, 32, 8));
    device.power().online();
    train(device, 4); // checkpoints after 100 and 200 samples
    long trained = device.agent.board().cursor();
    assertEquals(200, trained);
    int newest = areas == 1 ? 0 : newestCheckpoint(device);
    flip(device.areas[DeviceFlash.CHECKPOINT_0 + newest], Checkpoints.IMAGE_OFFSET + 3000);
    device.power();
    assertTrue(device.reported(AgentEvent.CHECKPOINT_INVALID, DeviceFlash.CHECKPOINT_0 + newest));
    if (areas == 2) {
      assertEquals(100, device.agent.board().cursor(), "the older checkpoint");
      // Truncated: the older one's image ends early (its last sectors never written).
      ArrayFlash older = device.areas[DeviceFlash.CHECKPOINT_0 + 1 - newest];
      older.erase(3 * TestDevice.SECTOR, older.size() - 3 * TestDevice.SECTOR);
      device.reports.clear();
      device.power();
      assertTrue(
          device.reported(AgentEvent.CHECKPOINT_INVALID, DeviceFlash.CHECKPOINT_0 + 1 - newest));
    }
    assertEquals(0, device.agent.board().cursor(), "the image's start");
    assertTrue(device.agent.board().running());
    assertEquals(0, device.agent.board().runtime().samplesSeen());
  }

  @Test
  void aCheckpointCutShortByAPowerCutLeavesThePreviousOne() {
    TestDevice device = new TestDevice().program(TestDevice.image(6, 32, 8)).power().online();
    train(device, 4);
    int newest = newestCheckpoint(device);
    // The next checkpoint was being written to the other area when the power went: erased, part
    // of its image written, no header yet.
    ArrayFlash next = device.areas[DeviceFlash.CHECKPOINT_0 + 1 - newest];
    next.erase(0, next.size());
    next.write(Checkpoints.IMAGE_OFFSET, new byte[] {1, 2, 3, 4}, 0, 4);
    device.power();
    assertEquals(200, device.agent.board().cursor());
    assertFalse(device.reported(AgentEvent.CHECKPOINT_INVALID), "an unfinished one is not damage");
  }

  @Test
  void aDamagedStateRecordIsReportedAndTheDeviceBootsWhatItCan() throws Exception {
    byte[] image = TestDevice.image(7, 32, 8);
    TestDevice device = new TestDevice().program(image).power().online();
    int session = device.transport.bdSeq();
    DeviceState state = device.agent.board().state();
    int bootCount = state.bootCount();
    // The newest copy is damaged: the other one, one write older, is used.
    int newest = newestStateCopy(device);
    flip(device.areas[DeviceFlash.STATE_0 + newest], DeviceState.BD_SEQ_OFFSET);
    device.reports.clear();
    device.power().online();
    assertTrue(device.reported(AgentEvent.STATE_AREA_UNREADABLE, DeviceFlash.STATE_0 + newest));
    assertTrue(device.agent.board().running());
    assertTrue(device.transport.bdSeq() >= session, "the session counter does not go back far");
    // Both copies damaged: defaults, one report, and the image in slot 0 still runs.
    flip(device.areas[DeviceFlash.STATE_0], 50);
    flip(device.areas[DeviceFlash.STATE_1], 50);
    device.reports.clear();
    device.power().online();
    assertTrue(device.reported(AgentEvent.STATE_UNREADABLE));
    assertTrue(device.agent.board().running());
    assertArrayEquals(TestDevice.sha256(image), sha(lastBirth(device)));
    assertTrue(bootCount > 0);
  }

  @Test
  void aTrialThatNeverConfirmedIsRolledBackAtTheNextBoot() throws Exception {
    byte[] old = TestDevice.image(8, 32, 8);
    byte[] next = TestDevice.image(9, 16, 8);
    TestDevice device = new TestDevice().program(old);
    device.areas[DeviceFlash.SLOT_1].write(0, next, 0, next.length);
    DeviceState state = new DeviceState(device.flash);
    state.load((e, a, b) -> {});
    state.trialSlot = 1;
    state.trialTransferId = 78;
    state.trialStarted = true; // the board died while running the trial image
    assertEquals(0, state.save());
    device.power().online();
    assertTrue(device.reported(AgentEvent.TRIAL_ROLLED_BACK, 1));
    byte[] payload = device.transport.last(FleetProtocol.VERDICT).payload();
    VerdictMessage verdict = new VerdictMessage();
    verdict.wrap(payload, 0, payload.length);
    assertEquals(78, verdict.transferId());
    assertEquals(VerdictMessage.ROLLED_BACK, verdict.outcome());
    assertEquals(VerdictMessage.TRIAL_FAILED, verdict.reason());
    assertArrayEquals(TestDevice.sha256(old), sha(lastBirth(device)));
    assertEquals(
        ImageStatus.BAD_MAGIC,
        device.agent.board().runtime().imageLengthAt(device.flash.slot(1), 0),
        "the failed image is erased");
  }

  private static int newestCheckpoint(TestDevice device) {
    // The one the running model reads from: writing the next one goes to the other area.
    int[] sequences = new int[2];
    for (int copy = 0; copy < 2; copy++) {
      ArrayFlash area = device.areas[DeviceFlash.CHECKPOINT_0 + copy];
      sequences[copy] =
          dev.spela.protocols.image.LittleEndian.i32(area.bytes(), Checkpoints.SEQUENCE_OFFSET);
    }
    return sequences[1] - sequences[0] > 0 && sequences[1] != -1 ? 1 : 0;
  }

  private static int newestStateCopy(TestDevice device) {
    int[] sequences = new int[2];
    for (int copy = 0; copy < 2; copy++) {
      ArrayFlash area = device.areas[DeviceFlash.STATE_0 + copy];
      sequences[copy] =
          dev.spela.protocols.image.LittleEndian.i32(area.bytes(), DeviceState.SEQUENCE_OFFSET);
    }
    return sequences[1] != -1 && sequences[1] - sequences[0] > 0 ? 1 : 0;
  }

  private static byte[] sha(BirthMessage birth) {
    byte[] sha = new byte[32];
    birth.imageSha256(sha, 0);
    return sha;
  }
}
