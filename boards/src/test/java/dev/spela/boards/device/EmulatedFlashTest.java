package dev.spela.boards.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmulatedFlashTest {

  @TempDir Path dir;

  @Test
  void slotsBootCounterAndCheckpointSurviveReopening() throws IOException {
    EmulatedFlash flash = EmulatedFlash.open(dir, 1024);
    byte[] image = {1, 2, 3, 4};
    flash.program(0, image, TestModels.sha256(image));
    flash.countBoot();
    flash.countBoot();
    flash.writeCheckpoint(TestModels.sha256(image), new byte[] {9, 9, 7}, 2, 123, 1);
    flash.writeCheckpoint(TestModels.sha256(image), new byte[] {8, 8, 8}, 3, 456, 2);

    EmulatedFlash reopened = EmulatedFlash.open(dir, 1024);
    assertEquals(0, reopened.activeSlot());
    assertEquals(1, reopened.inactiveSlot());
    assertEquals(2, reopened.bootCounter());
    assertArrayEquals(image, reopened.readSlot(0));
    EmulatedFlash.Checkpoint checkpoint = reopened.readCheckpoint();
    assertArrayEquals(new byte[] {8, 8, 8}, checkpoint.image());
    assertEquals(456, checkpoint.cursor());
    assertEquals(2, checkpoint.epoch());
  }

  @Test
  void aTransferKeepsItsProgressAcrossReopeningAndLeavesTheRunningSlotAlone() throws IOException {
    EmulatedFlash flash = EmulatedFlash.open(dir, 4096);
    byte[] old = {7};
    flash.program(0, old, TestModels.sha256(old));
    byte[] image = new byte[3000];
    Arrays.fill(image, (byte) 5);
    byte[] sha = TestModels.sha256(image);
    flash.beginTransfer(9, sha, image.length, 10);
    flash.writeBlock(0, image, 0, 1024);

    EmulatedFlash reopened = EmulatedFlash.open(dir, 4096);
    EmulatedFlash.Transfer kept = reopened.transfer();
    assertEquals(9, kept.transferId());
    assertEquals(1, kept.slot());
    assertEquals(1024, kept.offset());
    assertArrayEquals(sha, kept.sha256());
    assertThrows(IllegalStateException.class, () -> reopened.writeBlock(2048, image, 2048, 952));
    reopened.writeBlock(1024, image, 1024, 1024);
    assertNull(reopened.readTransfer(), "incomplete");
    reopened.writeBlock(2048, image, 2048, 952);
    assertArrayEquals(image, reopened.readTransfer());
    assertArrayEquals(old, reopened.readSlot(0), "the running slot is untouched");
  }

  @Test
  void oversizedImagesAreRefused() throws IOException {
    EmulatedFlash flash = EmulatedFlash.open(dir, 2048);
    assertThrows(IOException.class, () -> flash.beginTransfer(1, new byte[32], 2049, 10));
  }

  @Test
  void sessionCounterTrainingStateAndPendingVerdictArePersisted() throws IOException {
    EmulatedFlash flash = EmulatedFlash.open(dir, 2048);
    assertEquals(1, flash.nextSession());
    assertEquals(2, flash.nextSession());
    flash.trainingState(2);
    flash.pendingVerdict(new EmulatedFlash.PendingVerdict(5, 2, 8, -3));
    EmulatedFlash reopened = EmulatedFlash.open(dir, 2048);
    assertEquals(3, reopened.nextSession());
    assertEquals(2, reopened.trainingState());
    assertEquals(new EmulatedFlash.PendingVerdict(5, 2, 8, -3), reopened.pendingVerdict());
    reopened.pendingVerdict(null);
    assertNull(EmulatedFlash.open(dir, 2048).pendingVerdict());
  }
}
