package dev.spela.protocols.uart;

import dev.spela.protocols.checksum.Crc32;
import dev.spela.protocols.image.LittleEndian;
import dev.spela.protocols.subset.SteadyState;

/**
 * Finds frames in a byte stream, one byte at a time ({@link #push}): hunts for the sync bytes,
 * reads the length, collects the body and the CRC-32 and checks it. A frame with a length out of
 * range or a wrong CRC is dropped and counted ({@link #badFrames}), and hunting starts again with
 * the next byte. The last complete frame stays readable until the next byte is pushed.
 */
@SteadyState
public final class UartFrameReader {

  /** {@link #push}: the byte did not complete a frame. */
  public static final int NONE = 0;

  /** {@link #push}: a valid frame is ready. */
  public static final int FRAME = 1;

  /** {@link #push}: a frame was dropped (bad length or CRC). */
  public static final int BAD_FRAME = -1;

  private final byte[] frame = new byte[UartFrame.MAX_FRAME_LENGTH];
  private final Crc32 crc = new Crc32();
  private int position;
  private int end;
  private int badFrames;

  /** Takes one byte of the stream; says whether it completed a valid frame, or spoilt one. */
  public int push(int value) {
    byte b = (byte) value;
    if (position == 0) {
      if ((b & 0xFF) == UartFrame.SYNC_0) {
        frame[position++] = b;
      }
      return NONE;
    }
    if (position == 1) {
      if ((b & 0xFF) == UartFrame.SYNC_1) {
        frame[position++] = b;
      } else if ((b & 0xFF) != UartFrame.SYNC_0) {
        position = 0;
      }
      return NONE;
    }
    frame[position++] = b;
    if (position == UartFrame.HEADER_LENGTH) {
      int length = LittleEndian.u16(frame, UartFrame.LENGTH_OFFSET);
      if (length < UartFrame.MIN_BODY_LENGTH || length > UartFrame.MAX_BODY_LENGTH) {
        return drop();
      }
      end = UartFrame.HEADER_LENGTH + length + UartFrame.CRC_LENGTH;
      return NONE;
    }
    if (position < UartFrame.HEADER_LENGTH || position < end) {
      return NONE;
    }
    int body = end - UartFrame.CRC_LENGTH;
    crc.reset();
    crc.update(frame, UartFrame.LENGTH_OFFSET, body - UartFrame.LENGTH_OFFSET);
    if (crc.value() != LittleEndian.i32(frame, body)) {
      return drop();
    }
    position = 0;
    return FRAME;
  }

  private int drop() {
    badFrames++;
    position = 0;
    return BAD_FRAME;
  }

  /** The ready frame's type. */
  public int type() {
    return frame[UartFrame.TYPE_OFFSET] & 0xFF;
  }

  /** The ready frame's connection number. */
  public int connection() {
    return frame[UartFrame.CONNECTION_OFFSET] & 0xFF;
  }

  /** Bytes of the ready frame's fields, from {@link UartFrame#FIELDS_OFFSET}. */
  public int fieldsLength() {
    return end - UartFrame.CRC_LENGTH - UartFrame.FIELDS_OFFSET;
  }

  /** The ready frame (from offset 0; its fields from {@link UartFrame#FIELDS_OFFSET}). */
  public byte[] buffer() {
    return frame;
  }

  /** Frames dropped so far. */
  public int badFrames() {
    return badFrames;
  }
}
