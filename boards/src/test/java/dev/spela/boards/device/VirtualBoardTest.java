package dev.spela.boards.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.fleet.VerdictMessage;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtualBoardTest {

  private static final int INPUT = 64;
  private static final int CLASSES = 4;
  private static final Samples ALL = TestModels.prototypes(INPUT, CLASSES, 600, 7);
  private static final DataShard SHARD =
      new DataShard("prototypes", ALL.shard(0, 2, 300), ALL.shard(1, 2, 200));
  /** A RAM budget that the 64-32-8 model fits and the 64-256-8 model does not. */
  private static final VirtualBoard.FitRule BUDGET =
      plan -> plan.ramBytes() <= 40_000 ? null : "needs " + plan.ramBytes() + " bytes of RAM";

  @TempDir Path dir;

  private VirtualBoard board(byte[] image) throws IOException {
    EmulatedFlash flash = EmulatedFlash.open(dir, 200_000);
    if (image != null && flash.activeSlot() == EmulatedFlash.NO_SLOT) {
      flash.program(0, image, TestModels.sha256(image));
    }
    VirtualBoard board = new VirtualBoard(flash, SHARD, BUDGET);
    board.boot();
    return board;
  }

  private static int accuracy(VirtualBoard board) {
    VirtualBoard.Evaluation e = board.evaluate();
    return e.correctPerLayer()[e.correctPerLayer().length - 1] * 100 / e.samples();
  }

  @Test
  void trainsOnItsShardAndLearns() throws IOException {
    VirtualBoard board = board(TestModels.image(INPUT, CLASSES, new int[] {32, 8}, 1));
    int before = accuracy(board);
    assertEquals(600, board.train(600));
    assertEquals(2, board.epoch());
    assertEquals(600, board.window().samples);
    int after = accuracy(board);
    assertTrue(after >= 90 && after > before, "held-out accuracy " + before + "% -> " + after + "%");
  }

  @Test
  void aRestartResumesFromTheLastCheckpoint() throws IOException {
    byte[] image = TestModels.image(INPUT, CLASSES, new int[] {32, 8}, 2);
    VirtualBoard first = board(image);
    first.train(250);
    first.checkpoint();
    long samples = first.runtime().samplesSeen();
    first.train(40); // lost: the board dies before the next checkpoint
    VirtualBoard second = board(null);
    assertTrue(second.resumed());
    assertEquals(2, second.bootCounter());
    assertEquals(250, second.cursor());
    assertEquals(samples, second.runtime().samplesSeen());
  }

  @Test
  void aModelTooLargeForTheBoardIsRefusedAtBootAndAtInstall() throws IOException {
    byte[] large = TestModels.image(INPUT, CLASSES, new int[] {256, 8}, 3);
    assertFalse(board(large).running());
    VirtualBoard board = board(null);
    assertEquals(VerdictMessage.DOES_NOT_FIT, receive(board, large, TestModels.sha256(large)));
  }

  @Test
  void aGoodImageIsConfirmedAndAWrongDigestKeepsTheOldImage() throws IOException {
    byte[] old = TestModels.image(INPUT, CLASSES, new int[] {32, 8}, 4);
    VirtualBoard board = board(old);
    byte[] next = TestModels.image(INPUT, CLASSES, new int[] {16, 8}, 5);
    byte[] wrong = TestModels.sha256(next);
    wrong[0] ^= 1;
    assertEquals(VerdictMessage.BAD_DIGEST, receive(board, next, wrong));
    assertArrayEquals(TestModels.sha256(old), board.runningSha256());
    assertEquals(32, board.runtime().model().outputs(0));

    assertEquals(VerdictMessage.NONE, receive(board, next, TestModels.sha256(next)));
    board.boot();
    assertEquals(
        new EmulatedFlash.PendingVerdict(77, VerdictMessage.CONFIRMED, VerdictMessage.NONE, 0),
        board.flash().pendingVerdict());
    assertArrayEquals(TestModels.sha256(next), board.runningSha256());
    assertEquals(1, board.flash().activeSlot());
    assertEquals(16, board.runtime().model().outputs(0));
  }

  @Test
  void aTrialImageThatNeverConfirmedIsRolledBackAtTheNextBoot() throws IOException {
    byte[] old = TestModels.image(INPUT, CLASSES, new int[] {32, 8}, 6);
    VirtualBoard board = board(old);
    byte[] next = TestModels.image(INPUT, CLASSES, new int[] {16, 8}, 7);
    EmulatedFlash flash = board.flash();
    flash.markTrial(1, next.length, TestModels.sha256(next), 78);
    flash.startTrial(); // the board died while running the trial image
    VirtualBoard rebooted = board(null);
    assertEquals(0, rebooted.flash().activeSlot());
    assertEquals(
        new EmulatedFlash.PendingVerdict(78, VerdictMessage.ROLLED_BACK, VerdictMessage.TRIAL_FAILED, 0),
        rebooted.flash().pendingVerdict());
    assertArrayEquals(TestModels.sha256(old), rebooted.runningSha256());
  }

  @Test
  void anImageThatFailsItsTrialBootIsRolledBack() throws IOException {
    byte[] old = TestModels.image(INPUT, CLASSES, new int[] {32, 8}, 8);
    VirtualBoard board = board(old);
    // Valid, fits, but reads 32 inputs: the board's sensor gives 64, so the self-test fails.
    byte[] mismatched = TestModels.image(32, CLASSES, new int[] {16, 8}, 9);
    assertEquals(VerdictMessage.NONE, receive(board, mismatched, TestModels.sha256(mismatched)));
    board.boot();
    assertEquals(VerdictMessage.ROLLED_BACK, board.flash().pendingVerdict().outcome());
    assertArrayEquals(TestModels.sha256(old), board.runningSha256());
  }

  private static int receive(VirtualBoard board, byte[] image, byte[] sha) throws IOException {
    EmulatedFlash flash = board.flash();
    flash.beginTransfer(77, sha, image.length, 10);
    for (int at = 0; at < image.length; at += 1024) {
      flash.writeBlock(at, image, at, Math.min(1024, image.length - at));
    }
    return board.install();
  }
}
