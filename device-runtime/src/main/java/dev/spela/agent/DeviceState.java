package dev.spela.agent;

import dev.spela.protocols.checksum.Crc32;
import dev.spela.protocols.image.LittleEndian;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;

/**
 * The state a device keeps across power cuts: session counter, boot count, which slot runs and
 * which is on trial, the image transfer in progress, a verdict not yet reported, the training
 * state, the security counter. Held here as fields; persisted as a 96-byte record (little-endian, CRC-32 at the end)
 * written alternately to the two state areas with a sequence number, so that a power cut during a
 * write leaves the previous copy intact: at boot the valid copy with the larger sequence wins.
 *
 * <pre>
 *  0 u32 magic 'SPST'   4 u16 version 1   6 u16 length 96   8 u32 sequence
 * 12 u32 bdSeq         16 u32 bootCount
 * 20 u8 activeSlot     21 u8 trialSlot (0xFF: none)   22 u8 trialStarted   23 u8 trainingState
 * 24 u32 trialTransferId
 * 28 u32 transferId (0: none)   32 u8 transferSlot   33 u8 transferBlockLog2   34 u16 reserved 0
 * 36 u32 transferLength   40 u32 transferOffset (bytes written)   44 u8[32] transferSha256
 * 76 u32 verdictTransferId (0: none)   80 u8 verdictOutcome   81 u8 verdictReason
 * 82 i16 verdictDetail   84 u64 lifeId (0: none yet)   92 i64 primarySession (0: none yet)
 * 100 u32 securityCounter (of the images confirmed: never goes down)
 * 104 u32 trialSecurityCounter (of the image on trial)   108 u32 CRC-32 of bytes [0, 108)
 * </pre>
 */
public final class DeviceState {

  public static final int MAGIC = 0x54535053;
  public static final int VERSION = 2;
  public static final int LENGTH = 112;
  public static final int NO_SLOT = 0xFF;

  static final int MAGIC_OFFSET = 0;
  static final int VERSION_OFFSET = 4;
  static final int LENGTH_OFFSET = 6;
  static final int SEQUENCE_OFFSET = 8;
  static final int BD_SEQ_OFFSET = 12;
  static final int BOOT_COUNT_OFFSET = 16;
  static final int ACTIVE_SLOT_OFFSET = 20;
  static final int TRIAL_SLOT_OFFSET = 21;
  static final int TRIAL_STARTED_OFFSET = 22;
  static final int TRAINING_STATE_OFFSET = 23;
  static final int TRIAL_TRANSFER_OFFSET = 24;
  static final int TRANSFER_ID_OFFSET = 28;
  static final int TRANSFER_SLOT_OFFSET = 32;
  static final int TRANSFER_BLOCK_LOG2_OFFSET = 33;
  static final int TRANSFER_LENGTH_OFFSET = 36;
  static final int TRANSFER_OFFSET_OFFSET = 40;
  static final int TRANSFER_SHA_OFFSET = 44;
  static final int VERDICT_TRANSFER_OFFSET = 76;
  static final int VERDICT_OUTCOME_OFFSET = 80;
  static final int VERDICT_REASON_OFFSET = 81;
  static final int VERDICT_DETAIL_OFFSET = 82;
  static final int LIFE_ID_OFFSET = 84;
  static final int PRIMARY_SESSION_OFFSET = 92;
  static final int SECURITY_COUNTER_OFFSET = 100;
  static final int TRIAL_SECURITY_COUNTER_OFFSET = 104;
  static final int CRC_OFFSET = 108;

  /** {@link #load} found both copies blank: a new device. */
  public static final int BLANK = 1;

  /** {@link #load} found no readable copy although the flash is not blank. */
  public static final int UNREADABLE = -1;

  private final DeviceFlash flash;
  private final byte[] record = new byte[LENGTH];
  private final Crc32 crc = new Crc32();

  private int sequence;
  private int newestArea = -1;

  int bdSeq;
  int bootCount;
  int activeSlot = NO_SLOT;
  int trialSlot = NO_SLOT;
  boolean trialStarted;
  int trainingState;
  int trialTransferId;
  int transferId;
  int transferSlot;
  int transferBlockLog2;
  int transferLength;
  int transferOffset;
  final byte[] transferSha256 = new byte[32];
  int verdictTransferId;
  int verdictOutcome;
  int verdictReason;
  int verdictDetail;
  long lifeId;
  long primarySession;
  int securityCounter;
  int trialSecurityCounter;

  public DeviceState(DeviceFlash flash) {
    this.flash = flash;
  }

  /**
   * Reads both copies and takes the valid one with the larger sequence; a copy that is neither
   * valid nor blank is reported.
   *
   * @return 0 (a copy was read), {@link #BLANK} (a new device: defaults) or {@link #UNREADABLE}
   *     (defaults)
   */
  public int load(Reports reports) {
    clear();
    int best = -1;
    int bestSequence = 0;
    boolean damaged = false;
    for (int copy = 0; copy < DeviceFlash.COPIES; copy++) {
      int status = read(flash.state(copy));
      if (status == 0 && (best < 0 || record(SEQUENCE_OFFSET) - bestSequence > 0)) {
        best = copy;
        bestSequence = record(SEQUENCE_OFFSET);
      } else if (status < 0) {
        damaged = true;
        reports.report(AgentEvent.STATE_AREA_UNREADABLE, DeviceFlash.STATE_0 + copy, status);
      }
    }
    if (best < 0) {
      if (damaged) {
        reports.report(AgentEvent.STATE_UNREADABLE, 0, 0);
      }
      return damaged ? UNREADABLE : BLANK;
    }
    read(flash.state(best));
    decode();
    newestArea = best;
    sequence = bestSequence;
    return 0;
  }

  /** Writes the fields as the next copy (the area not holding the newest); a flash status. */
  public int save() {
    int area = newestArea == 0 ? 1 : 0;
    encode(sequence + 1);
    FlashRegion region = flash.state(area);
    int status = region.erase(0, region.size());
    if (status == FlashStatus.OK) {
      status = region.write(0, record, 0, LENGTH);
    }
    if (status == FlashStatus.OK) {
      sequence++;
      newestArea = area;
    }
    return status;
  }

  /**
   * Reads one copy into {@link #record}: 0 if valid, {@link #BLANK} if erased, else negative (a
   * flash status, or -1 for a damaged record).
   */
  private int read(FlashRegion region) {
    if (region.size() < LENGTH) {
      return FlashStatus.OUT_OF_RANGE;
    }
    int status = region.read(0, record, 0, LENGTH);
    if (status != FlashStatus.OK) {
      return status;
    }
    if (record(MAGIC_OFFSET) == -1) {
      return BLANK;
    }
    crc.reset();
    crc.update(record, 0, CRC_OFFSET);
    boolean valid =
        record(MAGIC_OFFSET) == MAGIC
            && LittleEndian.u16(record, VERSION_OFFSET) == VERSION
            && LittleEndian.u16(record, LENGTH_OFFSET) == LENGTH
            && crc.value() == record(CRC_OFFSET)
            && slotOrNone(record[ACTIVE_SLOT_OFFSET])
            && slotOrNone(record[TRIAL_SLOT_OFFSET])
            && (record[TRANSFER_SLOT_OFFSET] & 0xFF) < DeviceFlash.COPIES
            && (record[TRAINING_STATE_OFFSET] & 0xFF) <= 2;
    return valid ? 0 : -1;
  }

  private static boolean slotOrNone(byte slot) {
    int s = slot & 0xFF;
    return s == NO_SLOT || s < DeviceFlash.COPIES;
  }

  private int record(int offset) {
    return LittleEndian.i32(record, offset);
  }

  private void decode() {
    bdSeq = record(BD_SEQ_OFFSET);
    bootCount = record(BOOT_COUNT_OFFSET);
    activeSlot = record[ACTIVE_SLOT_OFFSET] & 0xFF;
    trialSlot = record[TRIAL_SLOT_OFFSET] & 0xFF;
    trialStarted = record[TRIAL_STARTED_OFFSET] != 0;
    trainingState = record[TRAINING_STATE_OFFSET] & 0xFF;
    trialTransferId = record(TRIAL_TRANSFER_OFFSET);
    transferId = record(TRANSFER_ID_OFFSET);
    transferSlot = record[TRANSFER_SLOT_OFFSET] & 0xFF;
    transferBlockLog2 = record[TRANSFER_BLOCK_LOG2_OFFSET] & 0xFF;
    transferLength = record(TRANSFER_LENGTH_OFFSET);
    transferOffset = record(TRANSFER_OFFSET_OFFSET);
    System.arraycopy(record, TRANSFER_SHA_OFFSET, transferSha256, 0, 32);
    verdictTransferId = record(VERDICT_TRANSFER_OFFSET);
    verdictOutcome = record[VERDICT_OUTCOME_OFFSET] & 0xFF;
    verdictReason = record[VERDICT_REASON_OFFSET] & 0xFF;
    verdictDetail = LittleEndian.i16(record, VERDICT_DETAIL_OFFSET);
    lifeId = LittleEndian.i64(record, LIFE_ID_OFFSET);
    primarySession = LittleEndian.i64(record, PRIMARY_SESSION_OFFSET);
    securityCounter = record(SECURITY_COUNTER_OFFSET);
    trialSecurityCounter = record(TRIAL_SECURITY_COUNTER_OFFSET);
  }

  private void encode(int nextSequence) {
    for (int k = 0; k < LENGTH; k++) {
      record[k] = 0;
    }
    LittleEndian.put32(record, MAGIC_OFFSET, MAGIC);
    LittleEndian.put16(record, VERSION_OFFSET, VERSION);
    LittleEndian.put16(record, LENGTH_OFFSET, LENGTH);
    LittleEndian.put32(record, SEQUENCE_OFFSET, nextSequence);
    LittleEndian.put32(record, BD_SEQ_OFFSET, bdSeq);
    LittleEndian.put32(record, BOOT_COUNT_OFFSET, bootCount);
    record[ACTIVE_SLOT_OFFSET] = (byte) activeSlot;
    record[TRIAL_SLOT_OFFSET] = (byte) trialSlot;
    record[TRIAL_STARTED_OFFSET] = (byte) (trialStarted ? 1 : 0);
    record[TRAINING_STATE_OFFSET] = (byte) trainingState;
    LittleEndian.put32(record, TRIAL_TRANSFER_OFFSET, trialTransferId);
    LittleEndian.put32(record, TRANSFER_ID_OFFSET, transferId);
    record[TRANSFER_SLOT_OFFSET] = (byte) transferSlot;
    record[TRANSFER_BLOCK_LOG2_OFFSET] = (byte) transferBlockLog2;
    LittleEndian.put32(record, TRANSFER_LENGTH_OFFSET, transferLength);
    LittleEndian.put32(record, TRANSFER_OFFSET_OFFSET, transferOffset);
    System.arraycopy(transferSha256, 0, record, TRANSFER_SHA_OFFSET, 32);
    LittleEndian.put32(record, VERDICT_TRANSFER_OFFSET, verdictTransferId);
    record[VERDICT_OUTCOME_OFFSET] = (byte) verdictOutcome;
    record[VERDICT_REASON_OFFSET] = (byte) verdictReason;
    LittleEndian.put16(record, VERDICT_DETAIL_OFFSET, verdictDetail);
    LittleEndian.put64(record, LIFE_ID_OFFSET, lifeId);
    LittleEndian.put64(record, PRIMARY_SESSION_OFFSET, primarySession);
    LittleEndian.put32(record, SECURITY_COUNTER_OFFSET, securityCounter);
    LittleEndian.put32(record, TRIAL_SECURITY_COUNTER_OFFSET, trialSecurityCounter);
    crc.reset();
    crc.update(record, 0, CRC_OFFSET);
    LittleEndian.put32(record, CRC_OFFSET, crc.value());
  }

  private void clear() {
    sequence = 0;
    newestArea = -1;
    bdSeq = 0;
    bootCount = 0;
    activeSlot = NO_SLOT;
    trialSlot = NO_SLOT;
    trialStarted = false;
    trainingState = 0;
    trialTransferId = 0;
    clearTransfer();
    verdictTransferId = 0;
    verdictOutcome = 0;
    verdictReason = 0;
    verdictDetail = 0;
    lifeId = 0;
    primarySession = 0;
    securityCounter = 0;
    trialSecurityCounter = 0;
  }

  void clearTransfer() {
    transferId = 0;
    transferSlot = 0;
    transferBlockLog2 = 0;
    transferLength = 0;
    transferOffset = 0;
    for (int k = 0; k < 32; k++) {
      transferSha256[k] = 0;
    }
  }

  void pendingVerdict(int transferId, int outcome, int reason, int detail) {
    verdictTransferId = transferId;
    verdictOutcome = outcome;
    verdictReason = reason;
    verdictDetail = detail;
  }

  // Read-only views for reports and tests.

  public int bdSeq() {
    return bdSeq;
  }

  public int bootCount() {
    return bootCount;
  }

  public int activeSlot() {
    return activeSlot;
  }

  public int trialSlot() {
    return trialSlot;
  }

  public int trainingState() {
    return trainingState;
  }

  public int transferId() {
    return transferId;
  }

  public int transferOffset() {
    return transferOffset;
  }

  public int verdictTransferId() {
    return verdictTransferId;
  }

  public int verdictOutcome() {
    return verdictOutcome;
  }

  public int verdictReason() {
    return verdictReason;
  }

  public int verdictDetail() {
    return verdictDetail;
  }

  /** The device's life (PROTOCOL.md section 2): set once when the state is created, 0 before. */
  public long lifeId() {
    return lifeId;
  }

  /** The security counter of the images confirmed so far (u32): a new image may not be below. */
  public int securityCounter() {
    return securityCounter;
  }

  /** The primary host session the device follows (PROTOCOL.md section 7), 0 if none yet. */
  public long primarySession() {
    return primarySession;
  }
}
