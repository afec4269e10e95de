package dev.spela.firmware;

/**
 * What the firmware prints, one line each, for the host to read (boards/firmware/README.md,
 * "Output"): results {@code R record a b c}, a failure {@code F reason a b} (then the firmware
 * ends with exit code 1), meter phases {@code M phase runs ticks} and the memory figures {@code S
 * ...} (both printed by the C side when the program ends).
 */
public final class FirmwareRecord {

  /** The model in slot A: a = layers, b = input size, c = classes. */
  public static final int MODEL = 1;

  /** The Java heap: a = bytes the model needs (FirmwareMemory), b = bytes the heap has. */
  public static final int HEAP = 2;

  /** Training done: a = samples trained. */
  public static final int TRAINED = 3;

  /** Held-out accuracy of one layer: a = layer (from 0), b = correct, c = samples. */
  public static final int LAYER_CORRECT = 4;

  /** Held-out accuracy with early exit: a = correct, b = samples. */
  public static final int EARLY_EXIT_CORRECT = 5;

  /** The trained image written to the checkpoint region: a = bytes. */
  public static final int WRITTEN = 6;

  /** Word a (0..7) of the written image's SHA-256, big-endian, in b. */
  public static final int DIGEST = 7;

  /** The image in slot A is not valid: a = its ImageStatus. */
  public static final int FAIL_IMAGE = 1;

  /** The model does not fit the Java heap: a = bytes needed, b = bytes the heap has. */
  public static final int FAIL_DOES_NOT_FIT = 2;

  /** A training step failed: a = sample, b = RuntimeStatus. */
  public static final int FAIL_TRAIN = 3;

  /** A prediction failed: a = sample, b = RuntimeStatus. */
  public static final int FAIL_PREDICT = 4;

  /** Writing the trained image failed: a = its RuntimeStatus or FlashStatus. */
  public static final int FAIL_WRITE = 5;

  /** The agent firmware's settings (agent.cfg) are missing or bad: a = bytes read. */
  public static final int FAIL_SETTINGS = 6;

  /**
   * The signed image in slot A failed its signature check: a = its ImageSignature status, or
   * ImageSignature.NOT_SIGNED when the trusted key (image.key) could not be read.
   */
  public static final int FAIL_SIGNATURE = 7;

  /** Meter phase: validating and loading the image from flash. */
  public static final int PHASE_LOAD = 0;

  /** Meter phase: one training step. */
  public static final int PHASE_TRAIN = 1;

  /** Meter phase: one prediction through every layer. */
  public static final int PHASE_PREDICT = 2;

  /** Meter phase: one prediction with early exit. */
  public static final int PHASE_EARLY_EXIT = 3;

  /** Meter phase: writing the trained image to flash. */
  public static final int PHASE_WRITE = 4;

  /** Meter phase: checking the signature trailer of the image in slot A (a signed firmware). */
  public static final int PHASE_VERIFY = 5;

  private FirmwareRecord() {}
}
