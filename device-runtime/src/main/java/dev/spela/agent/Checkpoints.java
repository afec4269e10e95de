package dev.spela.agent;

import dev.spela.protocols.checksum.Crc32;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.LittleEndian;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;
import dev.spela.runtime.SpelaRuntime;

/**
 * The trained model's checkpoints: in each checkpoint area a header, then the model as a v1 image
 * (from {@link #IMAGE_OFFSET}). A checkpoint is written over the older one: the area is erased, the
 * image streamed, and the header written last, so a power cut leaves either no header (that area is
 * skipped) or a complete checkpoint, and the other area keeps the previous one (a device with one
 * checkpoint area loses it while the next is written). The model always reads its constant sections
 * from its slot ({@link SpelaRuntime#rebase}), never from a checkpoint area, so any of them may be
 * erased. At boot the newest checkpoint trained from the running image is loaded; one that fails to
 * load (a flipped bit, a truncated file) is reported and the older one tried, then the image's
 * start.
 *
 * <pre>
 *  0 u32 magic 'SPCK'   4 u16 version 1   6 u16 length 80   8 u32 sequence
 * 12 u32 imageLength   16 u32 epoch   20 u32 reserved 0   24 i64 cursor (samples trained)
 * 32 u8[32] base: SHA-256 of the whole slot image the model was trained from
 * 64 u8[12] reserved 0   76 u32 CRC-32 of bytes [0, 76)
 * </pre>
 */
public final class Checkpoints {

  public static final int MAGIC = 0x4B435053;
  public static final int VERSION = 1;
  public static final int HEADER_LENGTH = 80;

  /** Where the image starts in a checkpoint area. */
  public static final int IMAGE_OFFSET = HEADER_LENGTH;

  static final int MAGIC_OFFSET = 0;
  static final int VERSION_OFFSET = 4;
  static final int LENGTH_OFFSET = 6;
  static final int SEQUENCE_OFFSET = 8;
  static final int IMAGE_LENGTH_OFFSET = 12;
  static final int EPOCH_OFFSET = 16;
  static final int CURSOR_OFFSET = 24;
  static final int BASE_OFFSET = 32;
  static final int CRC_OFFSET = 76;

  private final DeviceFlash flash;
  private final byte[] header = new byte[HEADER_LENGTH];
  private final Crc32 crc = new Crc32();

  private int newestSequence;
  private long cursor;
  private int epoch;

  public Checkpoints(DeviceFlash flash) {
    this.flash = flash;
  }

  /**
   * Loads into {@code runtime} the newest checkpoint trained from the image whose whole SHA-256 is
   * {@code base}, falling back to the older one; each that does not load is reported. The model the
   * runtime holds stays if none loads.
   *
   * @return the area loaded ({@link #cursor} and {@link #epoch} are its position), or -1
   */
  public int load(SpelaRuntime runtime, byte[] base, Reports reports) {
    newestSequence = 0;
    int first = newest(base, -1);
    int second = newest(base, first);
    for (int attempt = 0; attempt < 2; attempt++) {
      int copy = attempt == 0 ? first : second;
      if (copy < 0) {
        break;
      }
      FlashRegion area = flash.checkpoint(copy);
      readHeader(area);
      int status = runtime.load(area, IMAGE_OFFSET, LittleEndian.i32(header, IMAGE_LENGTH_OFFSET));
      if (status == ImageStatus.OK) {
        cursor = LittleEndian.i64(header, CURSOR_OFFSET);
        epoch = LittleEndian.i32(header, EPOCH_OFFSET);
        return copy;
      }
      reports.report(AgentEvent.CHECKPOINT_INVALID, DeviceFlash.CHECKPOINT_0 + copy, status);
    }
    return -1;
  }

  /**
   * The copy (0 or 1) other than {@code except} with a valid header naming {@code base} and the
   * largest sequence; -1 if none. Remembers the largest sequence seen, so the next write is newer.
   */
  private int newest(byte[] base, int except) {
    int best = -1;
    int bestSequence = 0;
    for (int copy = 0; copy < flash.checkpointCopies(); copy++) {
      if (copy == except || !readHeader(flash.checkpoint(copy))) {
        continue;
      }
      int sequence = LittleEndian.i32(header, SEQUENCE_OFFSET);
      if (sequence - newestSequence > 0) {
        newestSequence = sequence;
      }
      if (baseIs(base) && (best < 0 || sequence - bestSequence > 0)) {
        best = copy;
        bestSequence = sequence;
      }
    }
    return best;
  }

  /**
   * Writes the runtime's model as the next checkpoint (trained from {@code base}, {@code cursor}
   * samples in, {@code epoch} passes done) over the older one. The model must read its constant
   * sections from its slot. Returns 0, or the failing flash or runtime status (with two areas the
   * previous checkpoint is kept).
   */
  public int write(SpelaRuntime runtime, byte[] base, long cursor, int epoch) {
    int copy = flash.checkpointCopies() == 1 ? 0 : olderCopy();
    FlashRegion area = flash.checkpoint(copy);
    int status = area.erase(0, area.size());
    int length = status == FlashStatus.OK ? runtime.writeImage(area, IMAGE_OFFSET) : status;
    if (length < 0) {
      return length;
    }
    for (int k = 0; k < HEADER_LENGTH; k++) {
      header[k] = 0;
    }
    LittleEndian.put32(header, MAGIC_OFFSET, MAGIC);
    LittleEndian.put16(header, VERSION_OFFSET, VERSION);
    LittleEndian.put16(header, LENGTH_OFFSET, HEADER_LENGTH);
    LittleEndian.put32(header, SEQUENCE_OFFSET, newestSequence + 1);
    LittleEndian.put32(header, IMAGE_LENGTH_OFFSET, length);
    LittleEndian.put32(header, EPOCH_OFFSET, epoch);
    LittleEndian.put64(header, CURSOR_OFFSET, cursor);
    System.arraycopy(base, 0, header, BASE_OFFSET, 32);
    crc.reset();
    crc.update(header, 0, CRC_OFFSET);
    LittleEndian.put32(header, CRC_OFFSET, crc.value());
    status = area.write(0, header, 0, HEADER_LENGTH);
    if (status == FlashStatus.OK) {
      newestSequence++;
    }
    return status;
  }

  /** The copy with no valid header or the smaller sequence. */
  private int olderCopy() {
    boolean zero = readHeader(flash.checkpoint(0));
    int sequenceZero = LittleEndian.i32(header, SEQUENCE_OFFSET);
    boolean one = readHeader(flash.checkpoint(1));
    int sequenceOne = LittleEndian.i32(header, SEQUENCE_OFFSET);
    if (!zero) {
      return 0;
    }
    return !one || sequenceOne - sequenceZero < 0 ? 1 : 0;
  }

  /** Erases every checkpoint (a new image was confirmed: they belong to the old one). */
  public int eraseAll() {
    int status = FlashStatus.OK;
    for (int copy = 0; copy < flash.checkpointCopies(); copy++) {
      FlashRegion area = flash.checkpoint(copy);
      int erased = area.erase(0, area.size());
      if (erased != FlashStatus.OK) {
        status = erased;
      }
    }
    return status;
  }

  /** Samples trained when the loaded checkpoint was written. */
  public long cursor() {
    return cursor;
  }

  public int epoch() {
    return epoch;
  }

  /** Reads and checks a header into {@link #header}: true if valid. */
  private boolean readHeader(FlashRegion area) {
    if (area.size() < HEADER_LENGTH || area.read(0, header, 0, HEADER_LENGTH) != FlashStatus.OK) {
      return false;
    }
    crc.reset();
    crc.update(header, 0, CRC_OFFSET);
    return LittleEndian.i32(header, MAGIC_OFFSET) == MAGIC
        && LittleEndian.u16(header, VERSION_OFFSET) == VERSION
        && LittleEndian.u16(header, LENGTH_OFFSET) == HEADER_LENGTH
        && crc.value() == LittleEndian.i32(header, CRC_OFFSET);
  }

  private boolean baseIs(byte[] base) {
    int diff = 0;
    for (int k = 0; k < 32; k++) {
      diff |= header[BASE_OFFSET + k] ^ base[k];
    }
    return diff == 0;
  }
}
