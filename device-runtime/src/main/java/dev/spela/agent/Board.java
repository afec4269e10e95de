package dev.spela.agent;

import dev.spela.protocols.fleet.DeviceAuthentication;
import dev.spela.protocols.fleet.ImageReceiver;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.protocols.image.ImageSignature;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;
import dev.spela.protocols.subset.InitPhase;
import dev.spela.runtime.RuntimeStatus;
import dev.spela.runtime.SpelaRuntime;

/**
 * The board itself, without its network: the runtime (its arena allocated once for the board's
 * capacity), the flash map with its state record and checkpoints, and the sensor. It boots as
 * MCUboot does (a trial image once, then confirm or roll back; the active slot re-validated, the
 * other slot if the active one is bad), trains and keeps the telemetry window, evaluates, writes
 * checkpoints, and takes a received image into the inactive slot. Device code: allocates only in
 * its constructor; every failure is a status or a report.
 */
public final class Board {

  private static final int NO_SLOT = DeviceState.NO_SLOT;

  /** Where {@link #chunk} holds the installed image's SHA-256 while its trailer is checked. */
  private static final int SIGNED_SHA_AT = 128;

  private final DeviceFlash flash;
  private final DeviceState state;
  private final Checkpoints checkpoints;
  private final Sensor sensor;
  private final Reports reports;
  private final SpelaRuntime runtime;
  private final byte[] sample;
  private final byte[] chunk = new byte[256];
  private final byte[] runningSha256 = new byte[32];
  private final long[] lossSum;
  private final int[] correct;
  private final int[] evaluated;
  private final long newLifeId;

  private int windowSamples;
  private int runningSlot = NO_SLOT;
  private int runningLength;
  private long cursor;
  private int epoch;
  private int resumedFrom = -1;
  private int lastStatus;

  public Board(DeviceFlash flash, Sensor sensor, Reports reports, AgentConfig config) {
    this.flash = flash;
    this.sensor = sensor;
    this.reports = reports;
    state = new DeviceState(flash);
    checkpoints = new Checkpoints(flash);
    runtime = new SpelaRuntime(config.capacity);
    sample = new byte[Math.max(1, sensor.inputSize())];
    int layers = config.capacity.layers();
    lossSum = new long[layers];
    correct = new int[layers];
    evaluated = new int[layers];
    newLifeId = config.newLifeId;
  }

  // ------------------------------------------------------------------ boot

  /**
   * Boots as a bootloader would: reads the state record, counts the boot, tries an image on trial
   * once (a second boot without confirmation rolls it back), then runs the active slot's image,
   * re-validated (the other slot's if the active one is bad), from its newest checkpoint that loads
   * (else from the image's start).
   *
   * @return true if a model runs
   */
  public boolean boot() {
    state.load(reports);
    if (state.lifeId == 0) {
      state.lifeId = newLifeId; // the state is new (blank, unreadable, or just programmed): a new life
    }
    state.bootCount++;
    persist();
    if (state.trialSlot != NO_SLOT) {
      tryTrial();
    }
    runActive();
    if (runningSlot == NO_SLOT) {
      state.trainingState = 0;
    }
    reports.report(AgentEvent.BOOTED, state.bootCount, runningSlot == NO_SLOT ? -1 : runningSlot);
    return running();
  }

  private void tryTrial() {
    int slot = state.trialSlot;
    int transferId = state.trialTransferId;
    if (state.trialStarted) {
      rollBack(slot, transferId, 0); // the last boot died running it, unconfirmed
      return;
    }
    state.trialStarted = true;
    persist();
    int status = loadSlot(slot);
    if (status == ImageStatus.OK && !selfTest()) {
      status = RuntimeStatus.BAD_INPUT;
    }
    if (status != ImageStatus.OK) {
      rollBack(slot, transferId, status);
      return;
    }
    state.activeSlot = slot;
    state.trialSlot = NO_SLOT;
    state.trialStarted = false;
    state.trainingState = 0;
    if (below(state.securityCounter, state.trialSecurityCounter)) {
      state.securityCounter = state.trialSecurityCounter; // raised once confirmed, as MCUboot does
    }
    state.pendingVerdict(transferId, VerdictMessage.CONFIRMED, VerdictMessage.NONE, 0);
    checkpoints.eraseAll();
    persist();
    reports.report(AgentEvent.TRIAL_CONFIRMED, slot, transferId);
  }

  private void rollBack(int slot, int transferId, int status) {
    reports.report(AgentEvent.TRIAL_ROLLED_BACK, slot, status);
    erase(flash.slot(slot), DeviceFlash.SLOT_0 + slot);
    state.trialSlot = NO_SLOT;
    state.trialStarted = false;
    state.pendingVerdict(
        transferId, VerdictMessage.ROLLED_BACK, VerdictMessage.TRIAL_FAILED, status);
    persist();
  }

  /** The firmware's check before confirming: the model predicts a sensor sample without error. */
  private boolean selfTest() {
    boolean heldOut = sensor.heldOutCount() > 0;
    if (runtime.inputSize() != sensor.inputSize() || (!heldOut && sensor.trainingCount() == 0)) {
      return false;
    }
    if (heldOut) {
      sensor.readHeldOut(0, sample, 0);
    } else {
      sensor.readTraining(0, sample, 0);
    }
    return runtime.predict(sample, 0, runtime.layers() - 1) >= 0;
  }

  private void runActive() {
    runningSlot = NO_SLOT;
    resumedFrom = -1;
    cursor = 0;
    epoch = 0;
    int active = state.activeSlot == NO_SLOT ? 0 : state.activeSlot;
    for (int attempt = 0; attempt < DeviceFlash.COPIES && runningSlot == NO_SLOT; attempt++) {
      int slot = attempt == 0 ? active : 1 - active;
      int status = loadSlot(slot);
      if (status == ImageStatus.OK) {
        runningSlot = slot;
      } else if (status != ImageStatus.BAD_MAGIC || slot == state.activeSlot) {
        reports.report(AgentEvent.SLOT_INVALID, slot, status);
      }
    }
    if (runningSlot == NO_SLOT) {
      if (state.activeSlot != NO_SLOT) {
        reports.report(AgentEvent.NO_MODEL, 0, 0);
      }
      return;
    }
    if (runningSlot != state.activeSlot) {
      if (state.activeSlot != NO_SLOT) {
        reports.report(AgentEvent.SLOT_FALLBACK, state.activeSlot, runningSlot);
      }
      state.activeSlot = runningSlot;
      persist();
    }
    runtime.loadedImageSha256(runningSha256, 0);
    int area = checkpoints.load(runtime, runningSha256, reports);
    // The model reads its priors and frozen weights from the slot, so checkpoints may be erased.
    int status =
        area < 0 ? ImageStatus.OK : runtime.rebase(flash.slot(runningSlot), 0, runningLength);
    if (status != ImageStatus.OK) {
      reports.report(AgentEvent.CHECKPOINT_INVALID, DeviceFlash.CHECKPOINT_0 + area, status);
      area = -1;
    }
    if (area >= 0) {
      cursor = checkpoints.cursor();
      epoch = checkpoints.epoch();
      resumedFrom = area;
      reports.report(AgentEvent.RESUMED, DeviceFlash.CHECKPOINT_0 + area, epoch);
    } else if ((!runtime.loaded() || status != ImageStatus.OK)
        && loadSlot(runningSlot) != ImageStatus.OK) {
      runningSlot = NO_SLOT; // the slot read fine a moment ago: the flash is failing
    }
  }

  /** Validates and loads the image in {@code slot}; its length is {@link #runningLength}. */
  private int loadSlot(int slot) {
    FlashRegion region = flash.slot(slot);
    int length = runtime.imageLengthAt(region, 0);
    if (length < 0) {
      return length;
    }
    int status = runtime.load(region, 0, length);
    if (status == ImageStatus.OK) {
      runningLength = length;
    }
    return status;
  }

  // ------------------------------------------------------------------ training and evaluation

  /**
   * Trains on up to {@code count} samples of the sensor, in order, wrapping into the next epoch;
   * each counts in the telemetry window.
   *
   * @return samples trained; fewer if a step failed ({@link #lastStatus} says why)
   */
  public int train(int count) {
    if (!running() || runtime.inputSize() != sensor.inputSize()) {
      lastStatus = RuntimeStatus.BAD_INPUT;
      return 0;
    }
    int layers = runtime.layers();
    int samples = sensor.trainingCount();
    if (samples <= 0) {
      lastStatus = RuntimeStatus.BAD_INPUT; // a sensor with nothing to learn from
      return 0;
    }
    for (int n = 0; n < count; n++) {
      int label = sensor.readTraining((int) (cursor % samples), sample, 0);
      int status = label < 0 ? RuntimeStatus.BAD_LABEL : runtime.train(sample, 0, label);
      if (status != RuntimeStatus.OK) {
        lastStatus = status;
        return n;
      }
      for (int k = 0; k < layers; k++) {
        lossSum[k] += runtime.layerLoss(k);
        if (runtime.layerPrediction(k) == label) {
          correct[k]++;
        }
      }
      windowSamples++;
      cursor++;
      if (cursor % samples == 0) {
        epoch++;
      }
    }
    return count;
  }

  public int windowSamples() {
    return windowSamples;
  }

  /** Layer k's sum of Q15 losses over the window. */
  public long windowLossSum(int k) {
    return lossSum[k];
  }

  /** Samples layer k classified right in the window. */
  public int windowCorrect(int k) {
    return correct[k];
  }

  /** Starts a new telemetry window. */
  public void closeWindow() {
    for (int k = 0; k < lossSum.length; k++) {
      lossSum[k] = 0;
      correct[k] = 0;
    }
    windowSamples = 0;
  }

  /**
   * Predicts up to {@code maxSamples} held-out samples (0: all) with every layer.
   *
   * @return samples evaluated ({@link #evaluatedCorrect} per layer), or a negative status
   */
  public int evaluate(int maxSamples) {
    int available = sensor.heldOutCount();
    int count = maxSamples > 0 ? Math.min(maxSamples, available) : available;
    if (!running() || runtime.inputSize() != sensor.inputSize()) {
      return RuntimeStatus.NO_MODEL;
    }
    int layers = runtime.layers();
    for (int k = 0; k < layers; k++) {
      evaluated[k] = 0;
    }
    for (int s = 0; s < count; s++) {
      int label = sensor.readHeldOut(s, sample, 0);
      int status = runtime.predict(sample, 0, layers - 1);
      if (status < 0) {
        return status;
      }
      for (int k = 0; k < layers; k++) {
        if (runtime.layerPrediction(k) == label) {
          evaluated[k]++;
        }
      }
    }
    return count;
  }

  public int evaluatedCorrect(int k) {
    return evaluated[k];
  }

  /** Saves the model and the training position as the next checkpoint (reported if it fails). */
  public int checkpoint() {
    if (!running()) {
      return RuntimeStatus.NO_MODEL;
    }
    int status = checkpoints.write(runtime, runningSha256, cursor, epoch);
    if (status != ImageStatus.OK) {
      reports.report(AgentEvent.STORAGE_FAILED, DeviceFlash.CHECKPOINT_0, status);
    }
    return status;
  }

  // ------------------------------------------------------------------ image transfer

  /** The slot images are received into: the one not running. */
  public int inactiveSlot() {
    return state.activeSlot == 0 ? 1 : 0;
  }

  /** The largest image a slot takes: a checkpoint of it must fit a checkpoint area too. */
  public int imageSlotBytes() {
    int checkpoint = flash.checkpoint(0).size() - Checkpoints.IMAGE_OFFSET;
    return Math.max(0, Math.min(flash.slotBytes(), checkpoint));
  }

  /** True while an image waits for its trial boot (offers are refused BUSY meanwhile). */
  public boolean trialPending() {
    return state.trialSlot != NO_SLOT;
  }

  /**
   * Starts receiving into the inactive slot: erases it and records the transfer with no byte
   * written. Returns a flash status.
   */
  public int beginTransfer(ImageReceiver receiver) {
    int slot = inactiveSlot();
    int status = erase(flash.slot(slot), DeviceFlash.SLOT_0 + slot);
    state.transferId = receiver.transferId();
    state.transferSlot = slot;
    state.transferLength = receiver.imageLength();
    state.transferBlockLog2 = receiver.blockLog2();
    state.transferOffset = 0;
    receiver.sha256(state.transferSha256, 0);
    if (status == FlashStatus.OK) {
      status = persist();
    }
    return status;
  }

  /** Writes an accepted block to the slot, then records the progress. Returns a flash status. */
  public int writeBlock(int offset, byte[] data, int from, int length) {
    int status = flash.slot(state.transferSlot).write(offset, data, from, length);
    if (status == FlashStatus.OK) {
      state.transferOffset = offset + length;
      status = persist();
    }
    return status;
  }

  /** Rebuilds the receiver from the progress kept in the state record (or clears it). */
  public void restoreTransfer(ImageReceiver receiver) {
    receiver.clear();
    if (state.transferId != 0
        && (state.transferSlot != inactiveSlot()
            || receiver.restore(
                    state.transferId,
                    state.transferLength,
                    state.transferBlockLog2,
                    state.transferSha256,
                    0,
                    state.transferOffset)
                != 0)) {
      abandonTransfer();
    }
  }

  /** Forgets the transfer in progress and erases what it wrote. */
  public void abandonTransfer() {
    if (state.transferId != 0) {
      erase(flash.slot(state.transferSlot), DeviceFlash.SLOT_0 + state.transferSlot);
    }
    state.clearTransfer();
    persist();
  }

  /**
   * Checks a completely received image (PROTOCOL.md, "Complete"): the SHA-256 of its model image
   * against the offer's; in a secured fleet ({@code authentication} has keys) its signature trailer
   * (MODEL_FORMAT.md, "Signed images") against the fleet's host key and its security counter
   * against the stored one; that it is a valid model image that fits the arena. If so, checkpoints
   * the running model (its progress survives a rollback) and marks the slot for a trial boot: the
   * caller then reboots. Otherwise the transfer is forgotten, its slot erased, the running model
   * untouched. Without keys a trailer is ignored.
   *
   * @return {@link VerdictMessage#NONE} (reboot now), or the refusal reason (BAD_DIGEST,
   *     BAD_SIGNATURE, DOWNGRADE, INVALID_IMAGE, DOES_NOT_FIT, WRITE_FAILED) with {@link
   *     #lastStatus} as its detail
   */
  public int install(ImageReceiver receiver, DeviceAuthentication authentication) {
    int slot = state.transferSlot;
    int length = state.transferLength;
    FlashRegion region = flash.slot(slot);
    lastStatus = 0;
    state.trialSecurityCounter = 0; // an image taken without keys leaves the stored counter as it is
    // The model image ends where its header says; what follows is its signature trailer, if any.
    int declared = runtime.imageLengthAt(region, 0);
    boolean trailer = declared > 0 && declared == length - ImageSignature.TRAILER_LENGTH;
    int modelLength = trailer ? declared : length;
    int reason = VerdictMessage.NONE;
    for (int at = 0; at < modelLength && reason == VerdictMessage.NONE; at += chunk.length) {
      int n = Math.min(chunk.length, modelLength - at);
      if (region.read(at, chunk, 0, n) != FlashStatus.OK) {
        reason = VerdictMessage.WRITE_FAILED;
      } else {
        receiver.hash(chunk, 0, n);
      }
    }
    if (reason == VerdictMessage.NONE && !receiver.hashMatches(modelLength)) {
      reason = VerdictMessage.BAD_DIGEST;
    } else if (reason == VerdictMessage.NONE && authentication.secured()) {
      reason = checkSignature(receiver, region, trailer, modelLength, authentication);
    }
    if (reason == VerdictMessage.NONE) {
      lastStatus = runtime.validate(region, 0, modelLength);
      if (lastStatus == ImageStatus.DOES_NOT_FIT) {
        reason = VerdictMessage.DOES_NOT_FIT;
      } else if (lastStatus != ImageStatus.OK) {
        reason = VerdictMessage.INVALID_IMAGE;
      }
    }
    int transferId = state.transferId;
    if (reason != VerdictMessage.NONE) {
      state.trialSecurityCounter = 0;
      abandonTransfer();
      return reason;
    }
    checkpoint();
    state.clearTransfer();
    state.trialSlot = slot;
    state.trialTransferId = transferId;
    state.trialStarted = false;
    persist();
    return VerdictMessage.NONE;
  }

  /**
   * The signature and counter check of {@link #install}: sets the trial's security counter and returns {@link VerdictMessage#NONE}, BAD_SIGNATURE (detail: {@link ImageSignature}'s status),
   * DOWNGRADE or WRITE_FAILED.
   */
  private int checkSignature(
      ImageReceiver receiver,
      FlashRegion region,
      boolean trailer,
      int modelLength,
      DeviceAuthentication authentication) {
    if (!trailer) {
      lastStatus = ImageSignature.NOT_SIGNED;
      return VerdictMessage.BAD_SIGNATURE;
    }
    if (region.read(modelLength, chunk, 0, ImageSignature.TRAILER_LENGTH) != FlashStatus.OK) {
      return VerdictMessage.WRITE_FAILED;
    }
    // The image's name (the offer's SHA-256, just checked) beside the trailer: no buffer of its own
    // (the agent firmware's heap is planned to the byte).
    receiver.sha256(chunk, SIGNED_SHA_AT);
    lastStatus = authentication.checkImage(chunk, 0, chunk, SIGNED_SHA_AT);
    if (lastStatus != ImageSignature.OK) {
      return VerdictMessage.BAD_SIGNATURE;
    }
    state.trialSecurityCounter = ImageSignature.counter(chunk, 0);
    return below(state.trialSecurityCounter, state.securityCounter)
        ? VerdictMessage.DOWNGRADE
        : VerdictMessage.NONE;
  }

  /** Whether u32 counter {@code a} is below {@code b}. */
  static boolean below(int a, int b) {
    return (a & 0xFFFFFFFFL) < (b & 0xFFFFFFFFL);
  }

  /** The security counter of the images confirmed so far (u32; 0 before the first signed one). */
  public int securityCounter() {
    return state.securityCounter;
  }

  /**
   * The factory programmer's path (no network, the device not running): writes {@code image[offset,
   * offset + length)} into the active slot (slot 0 on a new device), makes it the running image
   * with no trial and no transfer, and erases the checkpoints.
   *
   * @return 0, or the failing flash status
   */
  @InitPhase
  public static int program(
      DeviceFlash flash, byte[] image, int offset, int length, Reports reports) {
    DeviceState state = new DeviceState(flash);
    state.load(reports);
    int slot = state.activeSlot == NO_SLOT ? 0 : state.activeSlot;
    FlashRegion region = flash.slot(slot);
    int status = region.erase(0, region.size());
    if (status == FlashStatus.OK) {
      status = region.write(0, image, offset, length);
    }
    if (status != FlashStatus.OK) {
      return status;
    }
    state.activeSlot = slot;
    state.trialSlot = NO_SLOT;
    state.trialStarted = false;
    state.clearTransfer();
    status = new Checkpoints(flash).eraseAll();
    return status == FlashStatus.OK ? state.save() : status;
  }

  // ------------------------------------------------------------------ state

  /** Adds one to the persisted session counter (before every connection) and returns it. */
  public int nextSession() {
    state.bdSeq++;
    persist();
    return state.bdSeq;
  }

  /** The device's life (PROTOCOL.md section 2), persisted with the state. */
  public long lifeId() {
    return state.lifeId;
  }

  /** The primary host session the device follows (0: none yet). */
  public long primarySession() {
    return state.primarySession;
  }

  /** Persists a newer primary host session (a flash write only when it changes). */
  public void primarySession(long session) {
    if (session != state.primarySession) {
      state.primarySession = session;
      persist();
    }
  }

  public int trainingState() {
    return state.trainingState;
  }

  /** Sets and persists the training state to come back to after a restart. */
  public void trainingState(int trainingState) {
    if (trainingState != state.trainingState) {
      state.trainingState = trainingState;
      persist();
    }
  }

  /** The verdict still to be published (0 if none). */
  public int pendingVerdictTransfer() {
    return state.verdictTransferId;
  }

  public int pendingVerdictOutcome() {
    return state.verdictOutcome;
  }

  public int pendingVerdictReason() {
    return state.verdictReason;
  }

  public int pendingVerdictDetail() {
    return state.verdictDetail;
  }

  /** The pending verdict has been published. */
  public void verdictReported() {
    state.pendingVerdict(0, 0, 0, 0);
    persist();
  }

  public DeviceState state() {
    return state;
  }

  public boolean running() {
    return runningSlot != NO_SLOT && runtime.loaded();
  }

  /** The runtime, for reports (read-only use). */
  public SpelaRuntime runtime() {
    return runtime;
  }

  public int runningSlot() {
    return runningSlot;
  }

  public int runningLength() {
    return runningLength;
  }

  /** Copies the running image's SHA-256 (of all its bytes, as re-hashed at boot). */
  public void runningSha256(byte[] out, int offset) {
    System.arraycopy(runningSha256, 0, out, offset, 32);
  }

  /** Samples trained since the image was installed. */
  public long cursor() {
    return cursor;
  }

  public int epoch() {
    return epoch;
  }

  /** The checkpoint area this boot resumed from, or -1. */
  public int resumedFrom() {
    return resumedFrom;
  }

  /** The status behind the last refusal or failed step. */
  public int lastStatus() {
    return lastStatus;
  }

  public Sensor sensor() {
    return sensor;
  }

  private int erase(FlashRegion region, int area) {
    int status = region.erase(0, region.size());
    if (status != FlashStatus.OK) {
      reports.report(AgentEvent.STORAGE_FAILED, area, status);
    }
    return status;
  }

  private int persist() {
    int status = state.save();
    if (status != FlashStatus.OK) {
      reports.report(AgentEvent.STORAGE_FAILED, DeviceFlash.STATE_0, status);
    }
    return status;
  }
}
