package dev.spela.protocols.fleet;

/**
 * DATA (device -> host, type 0x03): one telemetry record. A collector stores it idempotently under
 * (device, {@link #lifeId}, {@link #bootCount}, {@link #recordCounter}); records are numbered per
 * boot, so a record kept in the device's buffer across reconnections keeps its key. Per-layer
 * values follow the fixed part, 16 bytes per layer. Layout and number formats: PROTOCOL.md, "DATA".
 */
public final class DataMessage extends Message {

  public static final int RECORD_COUNTER = 0;
  public static final int TRAINING_STATE = 4;
  public static final int RESERVED_5 = 5;
  public static final int LAYER_COUNT = 6;
  public static final int DEVICE_TIME_MS = 8;
  public static final int SAMPLES_SEEN = 16;
  public static final int EPOCH = 24;
  public static final int STEP_MICROS = 28;
  public static final int RAM_USED = 32;
  public static final int LEARNING_RATE = 36;
  public static final int LIFE_ID = 40;
  public static final int BOOT_COUNT = 48;
  public static final int WINDOW_SAMPLES = 52;
  public static final int RECORDS_DROPPED = 56;
  public static final int BUFFERED_RECORDS = 60;
  public static final int LAYERS = 64;
  public static final int LAYER_LENGTH = 16;
  // Fields of a layer entry.
  public static final int L_ACCURACY = 0;
  public static final int L_LOSS = 4;
  public static final int L_WEIGHT_NORM = 8;

  public static final int FIXED_LENGTH = LAYERS;
  public static final int MAX_BODY_LENGTH = LAYERS + FleetProtocol.MAX_LAYERS * LAYER_LENGTH;

  /** Q15 one: accuracy 1.0, and the bound of |loss|. */
  public static final int Q15_ONE = 1 << 15;

  public DataMessage() {
    super(FleetProtocol.DATA, FIXED_LENGTH, MAX_BODY_LENGTH);
  }

  @Override
  protected int expectedBodyLength() {
    int layers = layerCount();
    return layers <= FleetProtocol.MAX_LAYERS
        ? LAYERS + layers * LAYER_LENGTH
        : FleetStatus.BAD_FIELD;
  }

  @Override
  protected int checkBody() {
    boolean ok =
        trainingState() <= BirthMessage.PAUSED
            && u8(RESERVED_5) == 0
            && deviceTimeMs() >= 0
            && samplesSeen() >= 0
            && ramUsed() >= 0
            && learningRate() >= 0
            && learningRate() <= 1 << 24
            && windowSamples() >= 0
            && bufferedRecords() >= 0;
    for (int k = 0; ok && k < layerCount(); k++) {
      int accuracy = accuracy(k);
      int loss = loss(k);
      ok =
          accuracy >= 0
              && accuracy <= Q15_ONE
              && loss >= -Q15_ONE
              && loss <= Q15_ONE
              && weightNorm(k) >= 0;
    }
    return require(ok);
  }

  /** Counts this boot's records from 0 (u32); a reconnection does not reset it. */
  public int recordCounter() {
    return i32(RECORD_COUNTER);
  }

  public int trainingState() {
    return u8(TRAINING_STATE);
  }

  public long deviceTimeMs() {
    return i64(DEVICE_TIME_MS);
  }

  public long samplesSeen() {
    return i64(SAMPLES_SEEN);
  }

  /** Passes over the training data (u32). */
  public int epoch() {
    return i32(EPOCH);
  }

  /** Mean time of one training step since the previous record, microseconds (u32). */
  public int stepMicros() {
    return i32(STEP_MICROS);
  }

  public int ramUsed() {
    return i32(RAM_USED);
  }

  /** Q24. */
  public int learningRate() {
    return i32(LEARNING_RATE);
  }

  public DataMessage record(int recordCounter, int trainingState, long deviceTimeMs) {
    put32(RECORD_COUNTER, recordCounter);
    put8(TRAINING_STATE, trainingState);
    put64(DEVICE_TIME_MS, deviceTimeMs);
    return this;
  }

  public DataMessage progress(
      long samplesSeen, int epoch, int stepMicros, int ramUsed, int learningRateQ24) {
    put64(SAMPLES_SEEN, samplesSeen);
    put32(EPOCH, epoch);
    put32(STEP_MICROS, stepMicros);
    put32(RAM_USED, ramUsed);
    put32(LEARNING_RATE, learningRateQ24);
    return this;
  }

  /** The device's life (BIRTH): part of the record's storage key. */
  public long lifeId() {
    return i64(LIFE_ID);
  }

  /** The boot the record was taken in (u32, BIRTH's bootCount): part of its storage key. */
  public int bootCount() {
    return i32(BOOT_COUNT);
  }

  /** Training steps the record's window covers (0 for a record taken while not training). */
  public int windowSamples() {
    return i32(WINDOW_SAMPLES);
  }

  /** Records of this boot the device dropped from a full buffer (a counter, u32). */
  public int recordsDropped() {
    return i32(RECORDS_DROPPED);
  }

  /** Records still waiting in the device's buffer after this one. */
  public int bufferedRecords() {
    return i32(BUFFERED_RECORDS);
  }

  /** The record's identity and the device's buffer: see PROTOCOL.md, "Store and forward". */
  public DataMessage origin(
      long lifeId, int bootCount, int windowSamples, int recordsDropped, int bufferedRecords) {
    put64(LIFE_ID, lifeId);
    put32(BOOT_COUNT, bootCount);
    put32(WINDOW_SAMPLES, windowSamples);
    put32(RECORDS_DROPPED, recordsDropped);
    put32(BUFFERED_RECORDS, bufferedRecords);
    return this;
  }

  public int layerCount() {
    return u16(LAYER_COUNT);
  }

  /**
   * Sets the number of layer entries (0 .. 64) and zeroes them; {@link FleetStatus#BAD_FIELD}
   * beyond 64, {@link FleetStatus#NO_SPACE} if the buffer cannot hold them.
   */
  public int layerCount(int layers) {
    if (layers < 0 || layers > FleetProtocol.MAX_LAYERS) {
      return FleetStatus.BAD_FIELD;
    }
    int status = resizeBody(LAYERS);
    if (status == FleetStatus.OK) {
      status = resizeBody(LAYERS + layers * LAYER_LENGTH);
    }
    if (status == FleetStatus.OK) {
      put16(LAYER_COUNT, layers);
    }
    return status;
  }

  /** Running accuracy of layer k's predictions, Q15 (0 .. 32768 = 100 %). */
  public int accuracy(int layer) {
    return i32(entry(layer) + L_ACCURACY);
  }

  /** Running mean of layer k's loss -cos(h, v_label), Q15 (-32768 .. 32768; lower is better). */
  public int loss(int layer) {
    return i32(entry(layer) + L_LOSS);
  }

  /** Frobenius norm of layer k's real weights, Q16 (65536 = 1.0). */
  public long weightNorm(int layer) {
    return i64(entry(layer) + L_WEIGHT_NORM);
  }

  /**
   * Sets layer k's entry; {@link FleetStatus#BAD_FIELD} if k is not below {@link #layerCount()}.
   */
  public int layer(int layer, int accuracyQ15, int lossQ15, long weightNormQ16) {
    if (layer < 0 || layer >= layerCount()) {
      return FleetStatus.BAD_FIELD;
    }
    int e = entry(layer);
    put32(e + L_ACCURACY, accuracyQ15);
    put32(e + L_LOSS, lossQ15);
    put64(e + L_WEIGHT_NORM, weightNormQ16);
    return FleetStatus.OK;
  }

  private static int entry(int layer) {
    return LAYERS + layer * LAYER_LENGTH;
  }
}
