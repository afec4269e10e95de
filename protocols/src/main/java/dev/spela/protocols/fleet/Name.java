package dev.spela.protocols.fleet;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.subset.SteadyState;

/**
 * A protocol name (group, device id, host id, claim id, board id): 1 .. 32 ASCII bytes from {@code
 * A-Z a-z 0-9 . _ -}. Names appear raw as topic segments and, in message bodies, as 32-byte fields
 * padded with zero bytes. A Name owns its bytes, so it can be kept and compared without allocation.
 */
@SteadyState
public final class Name {

  public static final int MAX_LENGTH = 32;

  /** Length of a name field in a message body. */
  public static final int FIELD_LENGTH = MAX_LENGTH;

  private final byte[] bytes = new byte[MAX_LENGTH];
  private int length;

  /** Copies a name; {@link FleetStatus#BAD_FIELD} (and this name unchanged) if it is not valid. */
  public int set(byte[] src, int offset, int length) {
    if (!isValid(src, offset, length)) {
      return FleetStatus.BAD_FIELD;
    }
    System.arraycopy(src, offset, bytes, 0, length);
    this.length = length;
    return FleetStatus.OK;
  }

  public int set(Name other) {
    return set(other.bytes, 0, other.length);
  }

  /** Reads a zero-padded name field; {@link FleetStatus#BAD_FIELD} if it holds no valid name. */
  public int readField(byte[] src, int offset) {
    return Bounds.within(src, offset, FIELD_LENGTH)
        ? set(src, offset, fieldLength(src, offset))
        : FleetStatus.BAD_FIELD;
  }

  /** Writes this name as a 32-byte zero-padded field (nothing if the field is not in dst). */
  public void writeField(byte[] dst, int offset) {
    if (!Bounds.within(dst, offset, FIELD_LENGTH)) {
      return;
    }
    System.arraycopy(bytes, 0, dst, offset, length);
    for (int k = length; k < FIELD_LENGTH; k++) {
      dst[offset + k] = 0;
    }
  }

  /** Writes the raw bytes; returns the number written (0 if they do not fit in dst). */
  public int writeRaw(byte[] dst, int offset) {
    if (!Bounds.within(dst, offset, length)) {
      return 0;
    }
    System.arraycopy(bytes, 0, dst, offset, length);
    return length;
  }

  /** 0 for an empty (unset) name. */
  public int length() {
    return length;
  }

  /** Byte {@code index} of the name; 0 outside it. */
  public int byteAt(int index) {
    return index >= 0 && index < length ? bytes[index] : 0;
  }

  public void clear() {
    length = 0;
  }

  public boolean equalTo(byte[] other, int offset, int length) {
    if (length != this.length || !Bounds.within(other, offset, length)) {
      return false;
    }
    for (int k = 0; k < length; k++) {
      if (other[offset + k] != bytes[k]) {
        return false;
      }
    }
    return true;
  }

  public boolean equalTo(Name other) {
    return equalTo(other.bytes, 0, other.length);
  }

  /** Checks a raw name: 1 .. 32 bytes, each a letter, digit, '.', '_' or '-'. */
  public static boolean isValid(byte[] src, int offset, int length) {
    if (length < 1 || length > MAX_LENGTH || !Bounds.within(src, offset, length)) {
      return false;
    }
    for (int k = 0; k < length; k++) {
      if (!isNameByte(src[offset + k])) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks a 32-byte name field: a valid name followed only by zero bytes. Returns {@link
   * FleetStatus#OK} or {@link FleetStatus#BAD_FIELD}.
   */
  public static int checkField(byte[] src, int offset) {
    if (!Bounds.within(src, offset, FIELD_LENGTH)) {
      return FleetStatus.BAD_FIELD;
    }
    int length = fieldLength(src, offset);
    if (!isValid(src, offset, length)) {
      return FleetStatus.BAD_FIELD;
    }
    for (int k = length; k < FIELD_LENGTH; k++) {
      if (src[offset + k] != 0) {
        return FleetStatus.BAD_FIELD;
      }
    }
    return FleetStatus.OK;
  }

  /** True if the 32-byte field is all zero (an absent name). */
  public static boolean isEmptyField(byte[] src, int offset) {
    return Bounds.within(src, offset, FIELD_LENGTH)
        && fieldLength(src, offset) == 0 && allZero(src, offset, FIELD_LENGTH);
  }

  static boolean allZero(byte[] src, int offset, int length) {
    int bits = 0;
    for (int k = 0; k < length; k++) {
      bits |= src[offset + k];
    }
    return bits == 0;
  }

  private static int fieldLength(byte[] src, int offset) {
    int n = 0;
    while (n < FIELD_LENGTH && src[offset + n] != 0) {
      n++;
    }
    return n;
  }

  private static boolean isNameByte(int c) {
    return c >= 'a' && c <= 'z'
        || c >= 'A' && c <= 'Z'
        || c >= '0' && c <= '9'
        || c == '.'
        || c == '_'
        || c == '-';
  }
}
