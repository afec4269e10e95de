package dev.spela.protocols.fleet;

import dev.spela.protocols.checksum.Sha256;

/**
 * BIRTH (device -> host, type 0x01): everything the device will report, published after each
 * connection once the host is online, and again on a REBIRTH command. Its header's bdSeq is the
 * session's, its seq is 0. Layout: PROTOCOL.md, "BIRTH".
 */
public final class BirthMessage extends Message {

  public static final int BOARD_ID = 0;
  public static final int RUNTIME_MAJOR = 32;
  public static final int RUNTIME_MINOR = 34;
  public static final int CAPABILITIES = 36;
  public static final int BOOT_COUNT = 40;
  public static final int RAM_BUDGET = 44;
  public static final int RAM_USED = 48;
  public static final int FLASH_BUDGET = 52;
  public static final int FLASH_USED = 56;
  public static final int IMAGE_SLOT_BYTES = 60;
  public static final int MAX_BLOCK_LOG2 = 64;
  public static final int IMAGE_STATE = 65;
  public static final int ACTIVE_SLOT = 66;
  public static final int TRAINING_STATE = 67;
  public static final int IMAGE_LENGTH = 68;
  public static final int IMAGE_SHA256 = 72;
  public static final int LAYER_COUNT = 104;
  public static final int CLASS_COUNT = 106;
  public static final int LEARNING_RATE = 108;
  public static final int SAMPLES_SEEN = 112;
  public static final int DEVICE_TIME_MS = 120;
  public static final int PENDING_TRANSFER_ID = 128;
  public static final int PENDING_OFFSET = 132;
  public static final int LIFE_ID = 136;
  public static final int RECORD_BUFFER_CAPACITY = 144;
  public static final int BUFFERED_RECORDS = 148;
  public static final int IMAGE_SECURITY_COUNTER = 152;
  public static final int RESERVED_156 = 156;
  public static final int BODY_LENGTH = 160;

  // Capability bits.
  public static final int CAN_TRAIN = 1;
  public static final int CAN_EVALUATE = 1 << 1;
  public static final int CAN_CHECKPOINT = 1 << 2;
  public static final int CAN_RECEIVE_IMAGES = 1 << 3;

  /** Device timestamps are milliseconds since the Unix epoch (otherwise since boot). */
  public static final int HAS_WALL_CLOCK = 1 << 4;

  public static final int KNOWN_CAPABILITIES = (1 << 5) - 1;

  // Image states (MCUboot-like).
  public static final int IMAGE_NONE = 0;
  public static final int IMAGE_CONFIRMED = 1;

  /** Booted once to test a new image, not yet confirmed: a reboot now rolls back. */
  public static final int IMAGE_TRIAL = 2;

  // Training states (also in DATA).
  public static final int STOPPED = 0;
  public static final int TRAINING = 1;
  public static final int PAUSED = 2;

  public BirthMessage() {
    super(FleetProtocol.BIRTH, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    int imageState = imageState();
    boolean noImage = imageState == IMAGE_NONE;
    int blockLog2 = maxBlockLog2();
    int status = Name.checkField(buffer, at(BOARD_ID));
    if (status != FleetStatus.OK) {
      return status;
    }
    return require(
        (capabilities() & ~KNOWN_CAPABILITIES) == 0
            && ramBudget() >= 0
            && ramUsed() >= 0
            && flashBudget() >= 0
            && flashUsed() >= 0
            && imageSlotBytes() >= 0
            && (blockLog2 == 0
                || blockLog2 >= FleetProtocol.MIN_BLOCK_LOG2
                    && blockLog2 <= FleetProtocol.MAX_BLOCK_LOG2)
            && imageState <= IMAGE_TRIAL
            && activeSlot() <= 1
            && trainingState() <= PAUSED
            && imageLength() >= 0
            && noImage == (imageLength() == 0)
            && (!noImage || zeros(IMAGE_SHA256, Sha256.DIGEST_LENGTH))
            && layerCount() <= FleetProtocol.MAX_LAYERS
            && learningRate() >= 0
            && learningRate() <= 1 << 24
            && samplesSeen() >= 0
            && deviceTimeMs() >= 0
            && pendingOffset() >= 0
            && (pendingTransferId() != 0 || pendingOffset() == 0)
            && recordBufferCapacity() >= 0
            && bufferedRecords() >= 0
            && bufferedRecords() <= recordBufferCapacity()
            && (!noImage || imageSecurityCounter() == 0)
            && zeros(RESERVED_156, 4));
  }

  /** Copies the board id into {@code out}. */
  public int boardId(Name out) {
    return out.readField(buffer, at(BOARD_ID));
  }

  public BirthMessage board(Name boardId) {
    boardId.writeField(buffer, at(BOARD_ID));
    return this;
  }

  public int runtimeMajor() {
    return u16(RUNTIME_MAJOR);
  }

  public int runtimeMinor() {
    return u16(RUNTIME_MINOR);
  }

  public BirthMessage runtimeVersion(int major, int minor) {
    put16(RUNTIME_MAJOR, major);
    put16(RUNTIME_MINOR, minor);
    return this;
  }

  public int capabilities() {
    return i32(CAPABILITIES);
  }

  public BirthMessage capabilities(int bits) {
    put32(CAPABILITIES, bits);
    return this;
  }

  /** Power-ups of the device (u32): changes on a reboot, not on a reconnection. */
  public int bootCount() {
    return i32(BOOT_COUNT);
  }

  public BirthMessage bootCount(int count) {
    put32(BOOT_COUNT, count);
    return this;
  }

  public int ramBudget() {
    return i32(RAM_BUDGET);
  }

  public int ramUsed() {
    return i32(RAM_USED);
  }

  public int flashBudget() {
    return i32(FLASH_BUDGET);
  }

  public int flashUsed() {
    return i32(FLASH_USED);
  }

  /** Bytes of RAM and flash the device gives SPELA, and how many of them are in use. */
  public BirthMessage memory(int ramBudget, int ramUsed, int flashBudget, int flashUsed) {
    put32(RAM_BUDGET, ramBudget);
    put32(RAM_USED, ramUsed);
    put32(FLASH_BUDGET, flashBudget);
    put32(FLASH_USED, flashUsed);
    return this;
  }

  /** Largest image the inactive slot accepts (0: no image transfer). */
  public int imageSlotBytes() {
    return i32(IMAGE_SLOT_BYTES);
  }

  /** Largest block size (log2, 10 .. 12) the device can receive; 0 without image transfer. */
  public int maxBlockLog2() {
    return u8(MAX_BLOCK_LOG2);
  }

  public BirthMessage imageSlot(int slotBytes, int maxBlockLog2) {
    put32(IMAGE_SLOT_BYTES, slotBytes);
    put8(MAX_BLOCK_LOG2, maxBlockLog2);
    return this;
  }

  public int imageState() {
    return u8(IMAGE_STATE);
  }

  /** Slot the running image was booted from: 0 (A) or 1 (B). */
  public int activeSlot() {
    return u8(ACTIVE_SLOT);
  }

  public int imageLength() {
    return i32(IMAGE_LENGTH);
  }

  public void imageSha256(byte[] out, int outOffset) {
    copyOut(IMAGE_SHA256, out, outOffset, Sha256.DIGEST_LENGTH);
  }

  /**
   * The running image: state, slot, length and SHA-256 (its last 32 bytes). With {@link
   * #IMAGE_NONE} pass length 0; the digest is then written as zeros and {@code sha} may be null.
   */
  public BirthMessage image(int state, int slot, int length, byte[] sha, int shaOffset) {
    put8(IMAGE_STATE, state);
    put8(ACTIVE_SLOT, slot);
    put32(IMAGE_LENGTH, length);
    if (sha == null) {
      for (int k = 0; k < Sha256.DIGEST_LENGTH; k++) {
        put8(IMAGE_SHA256 + k, 0);
      }
    } else {
      copyIn(IMAGE_SHA256, sha, shaOffset, Sha256.DIGEST_LENGTH);
    }
    return this;
  }

  public int trainingState() {
    return u8(TRAINING_STATE);
  }

  public BirthMessage trainingState(int state) {
    put8(TRAINING_STATE, state);
    return this;
  }

  public int layerCount() {
    return u16(LAYER_COUNT);
  }

  public int classCount() {
    return u16(CLASS_COUNT);
  }

  /** Q24 (16777216 = 1.0); 0 without a model. */
  public int learningRate() {
    return i32(LEARNING_RATE);
  }

  public long samplesSeen() {
    return i64(SAMPLES_SEEN);
  }

  /** The loaded model: layers, classes, learning rate (Q24) and training steps taken. */
  public BirthMessage model(int layers, int classes, int learningRateQ24, long samplesSeen) {
    put16(LAYER_COUNT, layers);
    put16(CLASS_COUNT, classes);
    put32(LEARNING_RATE, learningRateQ24);
    put64(SAMPLES_SEEN, samplesSeen);
    return this;
  }

  public long deviceTimeMs() {
    return i64(DEVICE_TIME_MS);
  }

  public BirthMessage deviceTimeMs(long millis) {
    put64(DEVICE_TIME_MS, millis);
    return this;
  }

  /** Transfer id of an unfinished image transfer the device can resume (0: none). */
  public int pendingTransferId() {
    return i32(PENDING_TRANSFER_ID);
  }

  public int pendingOffset() {
    return i32(PENDING_OFFSET);
  }

  public BirthMessage pendingTransfer(int transferId, int nextOffset) {
    put32(PENDING_TRANSFER_ID, transferId);
    put32(PENDING_OFFSET, nextOffset);
    return this;
  }

  /**
   * The device's life (any u64): random when its state was created, so records of a replaced or
   * wiped unit never share a storage key with its earlier life's.
   */
  public long lifeId() {
    return i64(LIFE_ID);
  }

  public BirthMessage lifeId(long life) {
    put64(LIFE_ID, life);
    return this;
  }

  /** DATA records the device's store-and-forward buffer holds at most (0: none). */
  public int recordBufferCapacity() {
    return i32(RECORD_BUFFER_CAPACITY);
  }

  /** DATA records waiting in that buffer when the BIRTH was sent. */
  public int bufferedRecords() {
    return i32(BUFFERED_RECORDS);
  }

  public BirthMessage recordBuffer(int capacity, int buffered) {
    put32(RECORD_BUFFER_CAPACITY, capacity);
    put32(BUFFERED_RECORDS, buffered);
    return this;
  }

  /** Security counter of the running image (u32); 0 without an image. */
  public int imageSecurityCounter() {
    return i32(IMAGE_SECURITY_COUNTER);
  }

  public BirthMessage imageSecurityCounter(int counter) {
    put32(IMAGE_SECURITY_COUNTER, counter);
    return this;
  }
}
