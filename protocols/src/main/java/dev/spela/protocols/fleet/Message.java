package dev.spela.protocols.fleet;

import static dev.spela.protocols.fleet.FleetProtocol.*;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.image.LittleEndian;
import dev.spela.protocols.subset.SteadyState;

/**
 * Flyweight over one fleet message in a byte array: the common 12-byte header (PROTOCOL.md, "Common
 * header"), the body of one message type, which a subclass lays out at fixed offsets, and, when the
 * header's AUTHENTICATED flag is set, the authentication trailer after the body (a counter and a
 * tag; {@link MessageAuthenticator} computes and checks the tag).
 *
 * <p>Reading: {@link #wrap} checks the header, the length rules of the type and every body field,
 * and returns a status; the getters may be used only after it returned {@link FleetStatus#OK}.
 * Writing: {@link #wrapForEncode} writes the header and a zeroed body, then the setters fill the
 * fields, then {@link #authenticate} appends the trailer if the fleet is secured; {@link
 * #encodedLength} is the number of bytes to publish. Neither allocates, neither throws for any
 * input.
 */
@SteadyState
public abstract class Message {

  protected byte[] buffer;
  protected int offset;
  private int limit;
  private final int type;
  private final int fixedBody;
  private final int maxBody;

  /**
   * @param fixedBody body bytes before any variable-length part (all of it for fixed-size types)
   * @param maxBody the largest body the type allows
   */
  protected Message(int type, int fixedBody, int maxBody) {
    this.type = type;
    this.fixedBody = fixedBody;
    this.maxBody = maxBody;
  }

  /**
   * The type of a received message, read from its header without decoding the body: a positive
   * type, or {@link FleetStatus#BAD_ARGUMENT}, {@link FleetStatus#TRUNCATED}, {@link
   * FleetStatus#UNSUPPORTED_VERSION} or {@link FleetStatus#UNKNOWN_TYPE}. Use it to choose the
   * flyweight whose {@link #wrap} decodes the message.
   */
  public static int peekType(byte[] buffer, int offset, int length) {
    if (buffer == null || offset < 0 || length < 0 || offset > buffer.length - length) {
      return FleetStatus.BAD_ARGUMENT;
    }
    if (length < HEADER_LENGTH) {
      return FleetStatus.TRUNCATED;
    }
    if (LittleEndian.u8(buffer, offset + H_VERSION) != VERSION) {
      return FleetStatus.UNSUPPORTED_VERSION;
    }
    int type = LittleEndian.u8(buffer, offset + H_TYPE);
    return isKnownType(type) ? type : FleetStatus.UNKNOWN_TYPE;
  }

  /** Wraps a received message and checks it completely; see PROTOCOL.md, "Receiving". */
  public final int wrap(byte[] buffer, int offset, int length) {
    this.buffer = null;
    this.limit = 0;
    int found = peekType(buffer, offset, length);
    if (found < 0) {
      return found;
    }
    if (found != type) {
      return FleetStatus.WRONG_TYPE;
    }
    int flags = LittleEndian.u8(buffer, offset + H_FLAGS);
    if (flags != 0 && (flags != FLAG_AUTHENTICATED || !authenticates(type))) {
      return FleetStatus.BAD_FIELD;
    }
    int available = length - HEADER_LENGTH - (flags == 0 ? 0 : trailerLength(type));
    if (available < 0) {
      return FleetStatus.TRUNCATED;
    }
    if (available > maxBody) {
      return FleetStatus.OVERSIZED;
    }
    int bodyLength = LittleEndian.i32(buffer, offset + H_BODY_LENGTH);
    if (bodyLength < 0 || bodyLength > available) {
      return FleetStatus.TRUNCATED;
    }
    if (bodyLength < available) {
      return FleetStatus.LENGTH_MISMATCH;
    }
    if (bodyLength < fixedBody) {
      return FleetStatus.TRUNCATED;
    }
    this.buffer = buffer;
    this.offset = offset;
    this.limit = length;
    int expected = expectedBodyLength();
    int status =
        expected < 0
            ? expected
            : expected != bodyLength ? FleetStatus.LENGTH_MISMATCH : checkBody();
    if (status != FleetStatus.OK) {
      this.buffer = null;
      this.limit = 0;
    }
    return status;
  }

  /**
   * Starts writing a message of this type at {@code buffer[offset..]}: the header (version, type,
   * {@code seq} modulo 256, flags 0, {@code bdSeq}, body length) and a zeroed fixed body. Returns
   * {@link FleetStatus#OK}, {@link FleetStatus#BAD_ARGUMENT} for a range outside the array, or
   * {@link FleetStatus#NO_SPACE} if {@code capacity} cannot hold the fixed part.
   */
  public final int wrapForEncode(byte[] buffer, int offset, int capacity, int seq, int bdSeq) {
    this.buffer = null;
    this.limit = 0;
    if (buffer == null || offset < 0 || capacity < 0 || offset > buffer.length - capacity) {
      return FleetStatus.BAD_ARGUMENT;
    }
    if (capacity < HEADER_LENGTH + fixedBody) {
      return FleetStatus.NO_SPACE;
    }
    this.buffer = buffer;
    this.offset = offset;
    this.limit =
        Math.min(
            capacity, HEADER_LENGTH + maxBody + (authenticates(type) ? trailerLength(type) : 0));
    LittleEndian.put8(buffer, offset + H_VERSION, VERSION);
    LittleEndian.put8(buffer, offset + H_TYPE, type);
    LittleEndian.put8(buffer, offset + H_FLAGS, 0);
    seq(seq);
    bdSeq(bdSeq);
    LittleEndian.put32(buffer, offset + H_BODY_LENGTH, 0);
    return resizeBody(fixedBody);
  }

  /**
   * Header, body and trailer if any: the bytes to publish (or the bytes a successful wrap
   * accepted).
   */
  public final int encodedLength() {
    return HEADER_LENGTH + bodyLength() + (authenticated() ? trailerLength(type) : 0);
  }

  /**
   * Appends the authentication trailer with this counter and a zero tag, and sets the header's
   * AUTHENTICATED flag; call it after the body is complete, then let a {@link MessageAuthenticator}
   * write the tag. {@link FleetStatus#BAD_FIELD} for CLAIM and CLAIM_REPLY (they carry no trailer),
   * {@link FleetStatus#NO_SPACE} if the buffer cannot hold it.
   */
  public final int authenticate(long counter) {
    if (buffer == null || !authenticates(type)) {
      return FleetStatus.BAD_FIELD;
    }
    if (HEADER_LENGTH + bodyLength() + trailerLength(type) > limit) {
      return FleetStatus.NO_SPACE;
    }
    LittleEndian.put8(buffer, offset + H_FLAGS, FLAG_AUTHENTICATED);
    int at = offset + HEADER_LENGTH + bodyLength();
    LittleEndian.put64(buffer, at, counter);
    for (int k = at + COUNTER_LENGTH; k < at + trailerLength(type); k++) {
      buffer[k] = 0;
    }
    return FleetStatus.OK;
  }

  /**
   * Lets a message that {@link #wrap} accepted (a stored one about to be sent again) grow to
   * {@code capacity} bytes from its offset, so that {@link #authenticate} can append a trailer.
   * {@link FleetStatus#BAD_ARGUMENT} if the buffer does not have them or nothing is wrapped.
   */
  public final int room(int capacity) {
    if (buffer == null || capacity < 0 || offset > buffer.length - capacity) {
      return FleetStatus.BAD_ARGUMENT;
    }
    limit = Math.min(capacity, HEADER_LENGTH + maxBody + (authenticates(type) ? trailerLength(type) : 0));
    return FleetStatus.OK;
  }

  /** True if the message carries the authentication trailer. */
  public final boolean authenticated() {
    return LittleEndian.u8(buffer, offset + H_FLAGS) == FLAG_AUTHENTICATED;
  }

  /** The trailer's counter (meaningful only if {@link #authenticated()}). */
  public final long counter() {
    return LittleEndian.i64(buffer, offset + HEADER_LENGTH + bodyLength());
  }

  /** Absolute position of the trailer's tag in {@link #buffer()}. */
  public final int tagOffset() {
    return offset + HEADER_LENGTH + bodyLength() + COUNTER_LENGTH;
  }

  /** Length of this type's tag: a MAC, or a signature for STATE. */
  public final int tagLength() {
    return FleetProtocol.tagLength(type);
  }

  /** Bytes from {@link #offset()} the tag covers (after the topic): header, body, counter. */
  public final int signedLength() {
    return tagOffset() - offset;
  }

  public final byte[] buffer() {
    return buffer;
  }

  public final int offset() {
    return offset;
  }

  public final int version() {
    return LittleEndian.u8(buffer, offset + H_VERSION);
  }

  public final int type() {
    return LittleEndian.u8(buffer, offset + H_TYPE);
  }

  /** Sequence number 0 .. 255 of device messages; host messages carry the host's own counter. */
  public final int seq() {
    return LittleEndian.u8(buffer, offset + H_SEQ);
  }

  public final void seq(int seq) {
    LittleEndian.put8(buffer, offset + H_SEQ, seq);
  }

  public final int flags() {
    return LittleEndian.u8(buffer, offset + H_FLAGS);
  }

  /** The device's session counter (u32, compared for equality only). */
  public final int bdSeq() {
    return LittleEndian.i32(buffer, offset + H_BD_SEQ);
  }

  public final void bdSeq(int bdSeq) {
    LittleEndian.put32(buffer, offset + H_BD_SEQ, bdSeq);
  }

  public final int bodyLength() {
    return LittleEndian.i32(buffer, offset + H_BODY_LENGTH);
  }

  // ------------------------------------------------------------------ for subclasses

  /**
   * The body length the type requires given its fixed fields (read through the getters), or a
   * negative status if a count field is out of range. Fixed-size types need not override.
   */
  protected int expectedBodyLength() {
    return fixedBody;
  }

  /** Range checks of the body fields, once the lengths are known to agree. */
  protected abstract int checkBody();

  /**
   * Sets the body length while encoding (the variable part of DATA, ACK, BLOCK); bytes it adds are
   * zeroed, and a trailer appended before is dropped (authenticate again after the body is done).
   * {@link FleetStatus#NO_SPACE} beyond the capacity or the type's maximum.
   */
  protected final int resizeBody(int bodyLength) {
    if (buffer == null
        || bodyLength < fixedBody
        || bodyLength > Math.min(maxBody, limit - HEADER_LENGTH)) {
      return FleetStatus.NO_SPACE;
    }
    LittleEndian.put8(buffer, offset + H_FLAGS, 0);
    for (int k = bodyLength(); k < bodyLength; k++) {
      buffer[at(k)] = 0;
    }
    LittleEndian.put32(buffer, offset + H_BODY_LENGTH, bodyLength);
    return FleetStatus.OK;
  }

  /** Absolute position of a body field. */
  protected final int at(int field) {
    return offset + HEADER_LENGTH + field;
  }

  protected final int u8(int field) {
    return LittleEndian.u8(buffer, at(field));
  }

  protected final int u16(int field) {
    return LittleEndian.u16(buffer, at(field));
  }

  protected final int i16(int field) {
    return LittleEndian.i16(buffer, at(field));
  }

  protected final int i32(int field) {
    return LittleEndian.i32(buffer, at(field));
  }

  protected final long i64(int field) {
    return LittleEndian.i64(buffer, at(field));
  }

  protected final void put8(int field, int value) {
    LittleEndian.put8(buffer, at(field), value);
  }

  protected final void put16(int field, int value) {
    LittleEndian.put16(buffer, at(field), value);
  }

  protected final void put32(int field, int value) {
    LittleEndian.put32(buffer, at(field), value);
  }

  protected final void put64(int field, long value) {
    LittleEndian.put64(buffer, at(field), value);
  }

  protected final boolean zeros(int field, int length) {
    return Name.allZero(buffer, at(field), length);
  }

  /** Copies {@code src[srcOffset..]} into a field, or zeroes it if the source is not that long. */
  protected final void copyIn(int field, byte[] src, int srcOffset, int length) {
    if (Bounds.within(src, srcOffset, length)) {
      System.arraycopy(src, srcOffset, buffer, at(field), length);
    } else {
      for (int k = 0; k < length; k++) {
        buffer[at(field + k)] = 0;
      }
    }
  }

  /** Copies a field to {@code dst[dstOffset..]}; nothing if the destination is not that long. */
  protected final void copyOut(int field, byte[] dst, int dstOffset, int length) {
    if (Bounds.within(dst, dstOffset, length)) {
      System.arraycopy(buffer, at(field), dst, dstOffset, length);
    }
  }

  /** OK if the condition holds, BAD_FIELD otherwise: lets checkBody read as a list of rules. */
  protected static int require(boolean condition) {
    return condition ? FleetStatus.OK : FleetStatus.BAD_FIELD;
  }
}
