package dev.spela.protocols.uart;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.checksum.Crc32;
import dev.spela.protocols.image.LittleEndian;
import dev.spela.protocols.subset.SteadyState;

/**
 * Builds one frame at a time in a buffer of its own ({@link UartFrame#MAX_FRAME_LENGTH} bytes):
 * {@link #begin}, the type's fields in order, then {@link #finish} fills in the length and the
 * CRC-32 and returns the frame's length. A field that would overflow the frame spoils it: finish
 * then returns -1.
 */
@SteadyState
public final class UartFrameWriter {

  private final byte[] frame = new byte[UartFrame.MAX_FRAME_LENGTH];
  private final Crc32 crc = new Crc32();
  private int position;
  private boolean overflow;

  /** Starts a frame of {@code type} for connection {@code connection} (its low 8 bits). */
  public UartFrameWriter begin(int type, int connection) {
    frame[0] = (byte) UartFrame.SYNC_0;
    frame[1] = (byte) UartFrame.SYNC_1;
    frame[UartFrame.TYPE_OFFSET] = (byte) type;
    frame[UartFrame.CONNECTION_OFFSET] = (byte) connection;
    position = UartFrame.FIELDS_OFFSET;
    overflow = false;
    return this;
  }

  public UartFrameWriter put8(int value) {
    if (room(1)) {
      frame[position++] = (byte) value;
    }
    return this;
  }

  public UartFrameWriter put16(int value) {
    if (room(2)) {
      LittleEndian.put16(frame, position, value);
      position += 2;
    }
    return this;
  }

  /** {@code src[offset, offset + length)} as they are. */
  public UartFrameWriter put(byte[] src, int offset, int length) {
    if (!Bounds.within(src, offset, length) || !room(length)) {
      overflow = true;
      return this;
    }
    System.arraycopy(src, offset, frame, position, length);
    position += length;
    return this;
  }

  /** A u8 length, then the bytes: at most {@code maxLength} of them. */
  public UartFrameWriter putShort(byte[] src, int offset, int length, int maxLength) {
    if (length < 0 || length > maxLength) {
      overflow = true;
      return this;
    }
    return put8(length).put(src, offset, length);
  }

  /** Writes the length and the CRC; returns the frame's length, or -1 if a field overflowed. */
  public int finish() {
    if (overflow) { // every field left room for the CRC
      return -1;
    }
    LittleEndian.put16(frame, UartFrame.LENGTH_OFFSET, position - UartFrame.HEADER_LENGTH);
    crc.reset();
    crc.update(frame, UartFrame.LENGTH_OFFSET, position - UartFrame.LENGTH_OFFSET);
    LittleEndian.put32(frame, position, crc.value());
    return position + UartFrame.CRC_LENGTH;
  }

  /** The frame being built (from offset 0). */
  public byte[] buffer() {
    return frame;
  }

  /** True if {@code bytes} more fit before the CRC; else the frame is spoilt. */
  private boolean room(int bytes) {
    if (bytes > frame.length - UartFrame.CRC_LENGTH - position) {
      overflow = true;
      return false;
    }
    return true;
  }
}
