package dev.spela.protocols.fleet;

/**
 * ACK (device -> host, type 0x04): the outcome of one CMD, with its command id and code, a status
 * and, for a successful EVALUATE, the number of samples and each layer's accuracy (Q15, 4 bytes per
 * layer after the fixed part).
 */
public final class AckMessage extends Message {

  public static final int COMMAND_ID = 0;
  public static final int CODE = 4;
  public static final int RESERVED_5 = 5;
  public static final int STATUS = 6;
  public static final int EVALUATED_SAMPLES = 8;
  public static final int LAYER_COUNT = 12;
  public static final int RESERVED_14 = 14;
  public static final int ACCURACIES = 16;
  public static final int FIXED_LENGTH = ACCURACIES;
  public static final int MAX_BODY_LENGTH = ACCURACIES + 4 * FleetProtocol.MAX_LAYERS;

  // Command status codes (i16 on the wire).
  public static final int OK = 0;
  public static final int UNKNOWN_COMMAND = -1;

  /** The argument is out of range (for example a learning rate of 0). */
  public static final int BAD_ARGUMENT = -2;

  /** Not possible in the current training state (PAUSE while stopped, START while training). */
  public static final int WRONG_STATE = -3;

  public static final int NO_MODEL = -4;

  /** EVALUATE without held-out data. */
  public static final int NO_DATA = -5;

  /** The device lacks the capability (see BIRTH capabilities). */
  public static final int UNSUPPORTED = -6;

  /** An image transfer or trial boot is in progress. */
  public static final int BUSY = -7;

  /** The device tried and failed (for example a checkpoint write error). */
  public static final int FAILED = -8;

  /** The command came sooner than the device's rate limit for it allows (CHECKPOINT, EVALUATE). */
  public static final int RATE_LIMITED = -9;

  public AckMessage() {
    super(FleetProtocol.ACK, FIXED_LENGTH, MAX_BODY_LENGTH);
  }

  @Override
  protected int expectedBodyLength() {
    int layers = layerCount();
    return layers <= FleetProtocol.MAX_LAYERS ? ACCURACIES + 4 * layers : FleetStatus.BAD_FIELD;
  }

  @Override
  protected int checkBody() {
    boolean result = code() == CommandMessage.EVALUATE && status() == OK;
    boolean ok =
        code() != 0
            && u8(RESERVED_5) == 0
            && u16(RESERVED_14) == 0
            && (result || evaluatedSamples() == 0 && layerCount() == 0);
    for (int k = 0; ok && k < layerCount(); k++) {
      ok = accuracy(k) >= 0 && accuracy(k) <= DataMessage.Q15_ONE;
    }
    return require(ok);
  }

  public int commandId() {
    return i32(COMMAND_ID);
  }

  public int code() {
    return u8(CODE);
  }

  public int status() {
    return i16(STATUS);
  }

  /** Answers a command: its id and code (as received) and the status. */
  public AckMessage answer(int commandId, int code, int status) {
    put32(COMMAND_ID, commandId);
    put8(CODE, code);
    put16(STATUS, status);
    return this;
  }

  /** Samples a successful EVALUATE used (u32). */
  public int evaluatedSamples() {
    return i32(EVALUATED_SAMPLES);
  }

  public int layerCount() {
    return u16(LAYER_COUNT);
  }

  /**
   * Sets an EVALUATE result's sample count and number of layers (0 .. 64), zeroing the accuracies;
   * {@link FleetStatus#BAD_FIELD} beyond 64, {@link FleetStatus#NO_SPACE} if the buffer cannot hold
   * them.
   */
  public int result(int evaluatedSamples, int layers) {
    if (layers < 0 || layers > FleetProtocol.MAX_LAYERS) {
      return FleetStatus.BAD_FIELD;
    }
    int status = resizeBody(ACCURACIES);
    if (status == FleetStatus.OK) {
      status = resizeBody(ACCURACIES + 4 * layers);
    }
    if (status == FleetStatus.OK) {
      put32(EVALUATED_SAMPLES, evaluatedSamples);
      put16(LAYER_COUNT, layers);
    }
    return status;
  }

  /** Layer k's held-out accuracy, Q15 (32768 = 100 %). */
  public int accuracy(int layer) {
    return i32(ACCURACIES + 4 * layer);
  }

  public int accuracy(int layer, int accuracyQ15) {
    if (layer < 0 || layer >= layerCount()) {
      return FleetStatus.BAD_FIELD;
    }
    put32(ACCURACIES + 4 * layer, accuracyQ15);
    return FleetStatus.OK;
  }
}
