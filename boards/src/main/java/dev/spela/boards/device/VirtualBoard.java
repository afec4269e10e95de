package dev.spela.boards.device;

import dev.spela.protocols.checksum.Sha256;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.runtime.MemoryPlan;
import dev.spela.runtime.RuntimeStatus;
import dev.spela.runtime.SpelaRuntime;
import java.io.IOException;
import java.util.Arrays;
import org.tinylog.Logger;

/**
 * The board itself, without its network: the SPELA runtime sized for the running image (as the
 * firmware sizes its arena at boot), the emulated flash with its A/B slots and checkpoint, and the
 * data shard that stands in for the sensor. Training, evaluation and image installation happen
 * here; the learning is the subset runtime's, this class only feeds it and keeps its state.
 *
 * <p>Not thread-safe: the device's single thread calls every method.
 */
public final class VirtualBoard {

  /** Why a board refuses a model; null means it fits. */
  @FunctionalInterface
  public interface FitRule {
    String refusal(MemoryPlan model);
  }

  /** Per-layer sums of one telemetry window. */
  public static final class Window {
    public final long[] lossSum;
    public final int[] correct;
    public int samples;

    Window(int layers) {
      lossSum = new long[layers];
      correct = new int[layers];
    }

    void clear() {
      Arrays.fill(lossSum, 0);
      Arrays.fill(correct, 0);
      samples = 0;
    }
  }

  /** Held-out accuracy of every layer, and of early exit. */
  public record Evaluation(int samples, int[] correctPerLayer, int earlyExitCorrect, long exitLayerSum) {}

  private final EmulatedFlash flash;
  private final DataShard data;
  private final FitRule fitRule;
  private final Sha256 sha = new Sha256();

  private SpelaRuntime runtime;
  private byte[] runningSha256;
  private byte[] checkpointBuffer;
  private Window window;
  private long bootCounter;
  private int lastStatus;
  private long cursor;
  private int epoch;
  private boolean resumed;

  public VirtualBoard(EmulatedFlash flash, DataShard data, FitRule fitRule) {
    this.flash = flash;
    this.data = data;
    this.fitRule = fitRule;
  }

  // ------------------------------------------------------------------ boot

  /**
   * Boots as the bootloader would: counts the boot, tries an image on trial once (a second boot
   * without confirmation rolls it back, as MCUboot does), then runs the active image, continuing
   * from the last checkpoint of that image if there is one.
   *
   * @return true if a model runs
   */
  public boolean boot() throws IOException {
    bootCounter = flash.countBoot();
    if (flash.trialSlot() != EmulatedFlash.NO_SLOT) {
      if (flash.trialStarted()) {
        Logger.warn("trial image in slot {} never confirmed: rolling back", flash.trialSlot());
        int transferId = flash.trialTransferId();
        flash.rollBack();
        flash.pendingVerdict(
            new EmulatedFlash.PendingVerdict(
                transferId, VerdictMessage.ROLLED_BACK, VerdictMessage.TRIAL_FAILED, 0));
      } else {
        tryTrial();
      }
    }
    return runActive();
  }

  private boolean runActive() throws IOException {
    runtime = null;
    runningSha256 = null;
    resumed = false;
    cursor = 0;
    epoch = 0;
    int slot = flash.activeSlot();
    byte[] image = slot == EmulatedFlash.NO_SLOT ? null : flash.readSlot(slot);
    if (image == null) {
      return false;
    }
    byte[] imageSha = flash.slotSha256(slot);
    EmulatedFlash.Checkpoint checkpoint = flash.readCheckpoint();
    if (checkpoint != null && Arrays.equals(checkpoint.baseSha256(), imageSha)) {
      SpelaRuntime restored = start(checkpoint.image());
      if (restored != null) {
        adopt(restored, imageSha);
        cursor = checkpoint.cursor();
        epoch = checkpoint.epoch();
        resumed = true;
        return true;
      }
      Logger.warn("checkpoint does not load: starting from the image in slot {}", slot);
    }
    SpelaRuntime fresh = start(image);
    if (fresh == null) {
      return false;
    }
    adopt(fresh, imageSha);
    return true;
  }

  /** Boots the trial image once; confirms or rolls it back and keeps the verdict to report. */
  private void tryTrial() throws IOException {
    int slot = flash.trialSlot();
    int transferId = flash.trialTransferId();
    flash.startTrial();
    byte[] image = flash.readSlot(slot);
    SpelaRuntime candidate = image == null ? null : start(image);
    if (candidate != null && selfTest(candidate)) {
      flash.confirmTrial();
      flash.eraseCheckpoint();
      flash.trainingState(0);
      flash.pendingVerdict(
          new EmulatedFlash.PendingVerdict(transferId, VerdictMessage.CONFIRMED, VerdictMessage.NONE, 0));
    } else {
      Logger.warn("trial image in slot {} failed its boot: rolling back", slot);
      flash.rollBack();
      int detail = candidate == null ? lastStatus : RuntimeStatus.BAD_INPUT;
      flash.pendingVerdict(
          new EmulatedFlash.PendingVerdict(
              transferId, VerdictMessage.ROLLED_BACK, VerdictMessage.TRIAL_FAILED, detail));
    }
  }

  /** The firmware's check before confirming: the model predicts a sample without error. */
  private boolean selfTest(SpelaRuntime candidate) {
    Samples probe = data.heldOut().count() > 0 ? data.heldOut() : data.train();
    return candidate.inputSize() == probe.inputSize()
        && candidate.predict(probe.pixels(), 0, candidate.layers() - 1) >= 0;
  }

  /** A runtime sized for this image and loaded with it, or null if it does not fit or load. */
  private SpelaRuntime start(byte[] image) {
    MemoryPlan plan = new MemoryPlan();
    int status = plan.setFromImage(new ArrayFlash(image), 0, image.length);
    lastStatus = status;
    if (status != ImageStatus.OK) {
      Logger.warn("image refused: {}", RuntimeStatus.name(status));
      return null;
    }
    String refusal = fitRule.refusal(plan);
    if (refusal != null) {
      lastStatus = ImageStatus.DOES_NOT_FIT;
      Logger.warn("image refused: {}", refusal);
      return null;
    }
    SpelaRuntime loaded = new SpelaRuntime(plan);
    status = loaded.load(new ArrayFlash(image), 0, image.length);
    lastStatus = status;
    if (status != ImageStatus.OK) {
      Logger.warn("image refused: {}", RuntimeStatus.name(status));
      return null;
    }
    return loaded;
  }

  private void adopt(SpelaRuntime loaded, byte[] imageSha) {
    runtime = loaded;
    runningSha256 = imageSha;
    checkpointBuffer = new byte[loaded.imageSize()];
    window = new Window(loaded.layers());
  }

  // ------------------------------------------------------------------ training

  /**
   * Trains on up to {@code count} samples of the shard, in order, wrapping into the next epoch.
   *
   * @return samples trained (0 if no model runs)
   */
  public int train(int count) {
    if (runtime == null) {
      return 0;
    }
    Samples train = data.train();
    int layers = runtime.layers();
    for (int n = 0; n < count; n++) {
      int sample = (int) (cursor % train.count());
      int label = train.label(sample);
      int status = runtime.train(train.pixels(), train.offset(sample), label);
      if (status != RuntimeStatus.OK) {
        Logger.warn("training step failed: {}", RuntimeStatus.name(status));
        return n;
      }
      for (int k = 0; k < layers; k++) {
        window.lossSum[k] += runtime.layerLoss(k);
        if (runtime.layerPrediction(k) == label) {
          window.correct[k]++;
        }
      }
      window.samples++;
      cursor++;
      if (cursor % train.count() == 0) {
        epoch++;
      }
    }
    return count;
  }

  /** The window since the last {@link #closeWindow}; the caller reads it, then closes it. */
  public Window window() {
    return window;
  }

  /** Starts a new telemetry window. */
  public void closeWindow() {
    window.clear();
  }

  /** Saves the model and training position to the checkpoint area. */
  public void checkpoint() throws IOException {
    if (runtime == null) {
      return;
    }
    int length = runtime.writeImage(new ArrayFlash(checkpointBuffer), 0);
    if (length < 0) {
      throw new IOException("runtime could not write its image: " + RuntimeStatus.name(length));
    }
    flash.writeCheckpoint(runningSha256, checkpointBuffer, length, cursor, epoch);
  }

  /** Accuracy of every layer and of early exit on all held-out samples. */
  public Evaluation evaluate() {
    return evaluate(0);
  }

  /** As {@link #evaluate()} on at most {@code maxSamples} held-out samples (0: all). */
  public Evaluation evaluate(int maxSamples) {
    Samples heldOut = data.heldOut();
    int count = maxSamples > 0 ? Math.min(maxSamples, heldOut.count()) : heldOut.count();
    if (runtime == null || heldOut.count() == 0) {
      return new Evaluation(0, new int[runtime == null ? 0 : runtime.layers()], 0, 0);
    }
    int layers = runtime.layers();
    int[] correct = new int[layers];
    int earlyCorrect = 0;
    long exitSum = 0;
    for (int s = 0; s < count; s++) {
      int label = heldOut.label(s);
      int offset = heldOut.offset(s);
      runtime.predict(heldOut.pixels(), offset, layers - 1);
      for (int k = 0; k < layers; k++) {
        if (runtime.layerPrediction(k) == label) {
          correct[k]++;
        }
      }
      if (runtime.predictEarlyExit(heldOut.pixels(), offset) == label) {
        earlyCorrect++;
      }
      exitSum += runtime.exitLayer();
    }
    return new Evaluation(count, correct, earlyCorrect, exitSum);
  }

  // ------------------------------------------------------------------ image installation

  /**
   * Checks a completely received image (PROTOCOL.md, "Complete"): its SHA-256 against the
   * offer's, that it is a valid model image and that it fits this board. If so, checkpoints the
   * running model (its progress survives a rollback) and marks the image for a trial boot: the
   * caller then reboots ({@link #boot}), which confirms or rolls it back and keeps the verdict.
   * Otherwise the transfer is forgotten and the running image is untouched.
   *
   * @return {@link VerdictMessage#NONE} (reboot now), or the refusal reason: BAD_DIGEST,
   *     INVALID_IMAGE or DOES_NOT_FIT, with {@link #lastStatus} as its detail
   */
  public int install() throws IOException {
    EmulatedFlash.Transfer transfer = flash.transfer();
    byte[] image = flash.readTransfer();
    if (transfer == null || image == null) {
      throw new IllegalStateException("no complete transfer to install");
    }
    byte[] digest = new byte[Sha256.DIGEST_LENGTH];
    sha.reset();
    sha.update(image, 0, image.length);
    sha.finish(digest, 0);
    int reason = VerdictMessage.NONE;
    MemoryPlan plan = new MemoryPlan();
    lastStatus = 0;
    if (!Arrays.equals(digest, transfer.sha256())) {
      reason = VerdictMessage.BAD_DIGEST;
    } else if ((lastStatus = plan.setFromImage(new ArrayFlash(image), 0, image.length)) != ImageStatus.OK) {
      reason = VerdictMessage.INVALID_IMAGE;
    } else if (fitRule.refusal(plan) != null) {
      lastStatus = ImageStatus.DOES_NOT_FIT;
      reason = VerdictMessage.DOES_NOT_FIT;
    }
    if (reason != VerdictMessage.NONE) {
      flash.abandonTransfer();
      return reason;
    }
    if (runtime != null) {
      checkpoint();
    }
    flash.markTrial(transfer.slot(), image.length, digest, transfer.transferId());
    return VerdictMessage.NONE;
  }

  /** Status behind the last refusal or failed load (the VERDICT's detail). */
  public int lastStatus() {
    return lastStatus;
  }

  // ------------------------------------------------------------------ state

  public boolean running() {
    return runtime != null;
  }

  /** The running runtime (null if none); read-only use by the device's reports. */
  public SpelaRuntime runtime() {
    return runtime;
  }

  public byte[] runningSha256() {
    return runningSha256 == null ? null : runningSha256.clone();
  }

  public long bootCounter() {
    return bootCounter;
  }

  /** Samples trained since the image was installed (position in the shard stream). */
  public long cursor() {
    return cursor;
  }

  public int epoch() {
    return epoch;
  }

  /** True if this boot continued from a checkpoint. */
  public boolean resumed() {
    return resumed;
  }

  public DataShard data() {
    return data;
  }

  public EmulatedFlash flash() {
    return flash;
  }
}
