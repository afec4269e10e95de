package dev.spela.firmware;

import dev.spela.protocols.checksum.Sha256;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;
import dev.spela.protocols.subset.InitPhase;
import dev.spela.runtime.MemoryPlan;
import dev.spela.runtime.RuntimeStatus;
import dev.spela.runtime.SpelaRuntime;

/**
 * The firmware's program: loads the model in flash slot A (validated in place, a block at a time:
 * the image is never in RAM), trains on the sensor's training samples in order, measures every
 * layer's accuracy (and early exit's) on its held-out samples, writes the trained image to the
 * checkpoint region block by block and prints integer results ({@link FirmwareRecord}). The same
 * device code as a virtual device runs; TeaVM compiles it to C for the board.
 */
public final class FirmwareMain {

  private static final int HEADER_BYTES = ModelImage.HEADER_FIXED_LENGTH;

  private final SpelaRuntime runtime;
  private final FlashRegion slot;
  private final int imageBytes;
  private final FlashRegion checkpoint = new NativeFlash(Natives.CHECKPOINT);
  private final byte[] sample;
  private final byte[] block = new byte[FirmwareMemory.READ_BACK_BYTES];
  private final Sha256 sha = new Sha256();
  private final byte[] digest = new byte[Sha256.DIGEST_LENGTH];
  private final int[] layerCorrect;

  private FirmwareMain(SpelaRuntime runtime, FlashRegion slot, int imageBytes, byte[] sample) {
    this.runtime = runtime;
    this.slot = slot;
    this.imageBytes = imageBytes;
    this.sample = sample;
    layerCorrect = new int[runtime.capacity().layers()];
  }

  /** Allocates everything the model needs (or fails, naming the shortfall), then runs. */
  @InitPhase
  public static void main(String[] args) {
    FirmwareMain firmware = allocate(0);
    if (firmware != null) {
      firmware.run();
    }
  }

  /**
   * Checks the model in slot A against the Java heap, which must also hold {@code moreHeapBytes}
   * of the caller's objects, and allocates everything it needs: the firmware ready to run, or null
   * once the failure is reported.
   */
  @InitPhase
  static FirmwareMain allocate(int moreHeapBytes) {
    FlashRegion slot = new NativeFlash(Natives.SLOT_A);
    MemoryPlan plan = new MemoryPlan();
    int imageBytes = planOfImage(slot, plan);
    if (imageBytes < 0) {
      Natives.fail(FirmwareRecord.FAIL_IMAGE, imageBytes, 0);
      return null;
    }
    int sampleBytes = Natives.sampleSize();
    long needed = FirmwareMemory.javaHeapBytes(plan, sampleBytes) + moreHeapBytes;
    int available = Natives.javaHeapBytes();
    Natives.report(FirmwareRecord.HEAP, (int) needed, available, 0);
    if (needed > available) {
      Natives.fail(FirmwareRecord.FAIL_DOES_NOT_FIT, (int) needed, available);
      return null;
    }
    SpelaRuntime runtime = new SpelaRuntime(plan);
    runtime.updateLiveOutputsOnly(); // a core without vector units
    return new FirmwareMain(runtime, slot, imageBytes, new byte[sampleBytes]);
  }

  /**
   * Checks the signature trailer after the model image in slot A with {@code check}, given the
   * model image's SHA-256 (hashed from flash here) and this firmware's read-back block: an
   * ImageSignature status.
   */
  int checkSignature(SignedFirmwareMain check) {
    hash(slot, imageBytes);
    return check.check(slot, imageBytes, block, digest);
  }

  /** The SHA-256 of {@code region[0, length)} into {@link #digest}, read a block at a time. */
  private void hash(FlashRegion region, int length) {
    sha.reset();
    for (int at = 0; at < length; at += block.length) {
      int part = Math.min(block.length, length - at);
      region.read(at, block, 0, part);
      sha.update(block, 0, part);
    }
    sha.finish(digest, 0);
  }

  /**
   * Sets {@code plan} from the header of the image at the start of {@code slot} (read in place);
   * returns the image's length, or a negative {@link ImageStatus}.
   */
  @InitPhase
  static int planOfImage(FlashRegion slot, MemoryPlan plan) {
    byte[] header = new byte[HEADER_BYTES];
    slot.read(0, header, 0, HEADER_BYTES);
    int imageBytes = imageLength(header);
    if (imageBytes < HEADER_BYTES || imageBytes > slot.size()) {
      return ImageStatus.LENGTH_MISMATCH;
    }
    int status = plan.setFromImage(slot, 0, imageBytes);
    return status == ImageStatus.OK ? imageBytes : status;
  }

  private static int imageLength(byte[] header) {
    int at = ModelImage.OFF_IMAGE_LENGTH;
    return (header[at] & 0xFF)
        | (header[at + 1] & 0xFF) << 8
        | (header[at + 2] & 0xFF) << 16
        | (header[at + 3] & 0xFF) << 24;
  }

  void run() {
    Natives.meter(FirmwareRecord.PHASE_LOAD, 1);
    int status = runtime.load(slot, 0, imageBytes);
    Natives.meter(FirmwareRecord.PHASE_LOAD, 0);
    if (status != ImageStatus.OK) {
      Natives.fail(FirmwareRecord.FAIL_IMAGE, status, 0);
      return;
    }
    Natives.report(
        FirmwareRecord.MODEL, runtime.layers(), runtime.inputSize(), runtime.classes());
    if (sample.length != runtime.inputSize()) {
      Natives.fail(FirmwareRecord.FAIL_TRAIN, 0, RuntimeStatus.BAD_INPUT);
      return;
    }
    if (train() && evaluate()) {
      writeBack();
    }
  }

  private boolean train() {
    int count = Natives.sampleCount(Natives.TRAINING);
    for (int i = 0; i < count; i++) {
      int label = Natives.sampleRead(Natives.TRAINING, i, sample, 0);
      Natives.meter(FirmwareRecord.PHASE_TRAIN, 1);
      int status = runtime.train(sample, 0, label);
      Natives.meter(FirmwareRecord.PHASE_TRAIN, 0);
      if (status != RuntimeStatus.OK) {
        Natives.fail(FirmwareRecord.FAIL_TRAIN, i, status);
        return false;
      }
    }
    Natives.report(FirmwareRecord.TRAINED, count, 0, 0);
    return true;
  }

  /** Every layer's held-out accuracy from one pass through all layers, then early exit's. */
  private boolean evaluate() {
    int count = Natives.sampleCount(Natives.HELD_OUT);
    int layers = runtime.layers();
    int earlyExitCorrect = 0;
    for (int i = 0; i < count; i++) {
      int label = Natives.sampleRead(Natives.HELD_OUT, i, sample, 0);
      Natives.meter(FirmwareRecord.PHASE_PREDICT, 1);
      int predicted = runtime.predict(sample, 0, layers - 1);
      Natives.meter(FirmwareRecord.PHASE_PREDICT, 0);
      if (predicted < 0) {
        Natives.fail(FirmwareRecord.FAIL_PREDICT, i, predicted);
        return false;
      }
      for (int k = 0; k < layers; k++) {
        if (runtime.layerPrediction(k) == label) {
          layerCorrect[k]++;
        }
      }
      Natives.meter(FirmwareRecord.PHASE_EARLY_EXIT, 1);
      predicted = runtime.predictEarlyExit(sample, 0);
      Natives.meter(FirmwareRecord.PHASE_EARLY_EXIT, 0);
      if (predicted == label) {
        earlyExitCorrect++;
      }
    }
    for (int k = 0; k < layers; k++) {
      Natives.report(FirmwareRecord.LAYER_CORRECT, k, layerCorrect[k], count);
    }
    Natives.report(FirmwareRecord.EARLY_EXIT_CORRECT, earlyExitCorrect, count, 0);
    return true;
  }

  /**
   * Writes the trained image to the checkpoint region and reports its size and the SHA-256 of the
   * bytes in flash, read back a block at a time.
   */
  private void writeBack() {
    Natives.meter(FirmwareRecord.PHASE_WRITE, 1);
    int sector = checkpoint.sectorBytes();
    int size = runtime.imageSize();
    int status = checkpoint.erase(0, (size + sector - 1) / sector * sector);
    int written = status == FlashStatus.OK ? runtime.writeImage(checkpoint, 0) : status;
    Natives.meter(FirmwareRecord.PHASE_WRITE, 0);
    if (written < 0) {
      Natives.fail(FirmwareRecord.FAIL_WRITE, written, 0);
      return;
    }
    Natives.report(FirmwareRecord.WRITTEN, written, 0, 0);
    hash(checkpoint, written);
    for (int w = 0; w < Sha256.DIGEST_LENGTH / 4; w++) {
      int at = 4 * w;
      int word =
          (digest[at] & 0xFF) << 24
              | (digest[at + 1] & 0xFF) << 16
              | (digest[at + 2] & 0xFF) << 8
              | (digest[at + 3] & 0xFF);
      Natives.report(FirmwareRecord.DIGEST, w, word, 0);
    }
    Natives.save(Natives.CHECKPOINT, written);
  }
}
