package dev.spela.protocols.fleet;

/**
 * Status codes of the fleet protocol's codecs and receivers (PROTOCOL.md, "Receiving"): 0 is
 * success, every failure is negative. A receiver counts each failure by code and drops the message.
 */
public final class FleetStatus {

  public static final int OK = 0;

  /** Null buffer, or offset/length outside the buffer. */
  public static final int BAD_ARGUMENT = -1;

  /** Fewer bytes than the header, than the header's body length, or than the type's fixed body. */
  public static final int TRUNCATED = -2;

  /** Header version is not 1. */
  public static final int UNSUPPORTED_VERSION = -3;

  /** Header type is not a v2 message type. */
  public static final int UNKNOWN_TYPE = -4;

  /** A known type, but not the one the flyweight reads. */
  public static final int WRONG_TYPE = -5;

  /** Bytes after the declared body, or a body length that disagrees with the type's fields. */
  public static final int LENGTH_MISMATCH = -6;

  /** Longer than the type's maximum (or than the receiver's buffer). */
  public static final int OVERSIZED = -7;

  /** A field out of its range: non-zero flags or reserved bytes, a bad name, count or code. */
  public static final int BAD_FIELD = -8;

  /** A topic outside the v2 namespace, or a message type that does not belong on its topic. */
  public static final int BAD_TOPIC = -9;

  /** A device message from, or a host message for, another session (bdSeq). */
  public static final int STALE_SESSION = -10;

  /** An image block for a transfer other than the current one. */
  public static final int WRONG_TRANSFER = -11;

  /** An image block before the expected offset (already written). */
  public static final int DUPLICATE = -12;

  /** An image block after the expected offset (an earlier one is missing). */
  public static final int OUT_OF_ORDER = -13;

  /** An image block whose data does not match its CRC-32. */
  public static final int BAD_CRC = -14;

  /** An HMAC that does not match: an authentication trailer's tag, or a provisioning message. */
  public static final int BAD_MAC = -15;

  /** The destination buffer is too small for the message or topic being written. */
  public static final int NO_SPACE = -16;

  /** A secured receiver got a message without the authentication trailer. */
  public static final int UNAUTHENTICATED = -17;

  /** An authenticated message whose counter is not above the last one accepted. */
  public static final int REPLAYED = -18;

  /** Number of codes, for counters indexed by {@code -status}. */
  public static final int COUNT = 19;

  private FleetStatus() {}

  /** A constant name for a status code, for logs and error messages. */
  public static String name(int status) {
    switch (status) {
      case OK:
        return "OK";
      case BAD_ARGUMENT:
        return "BAD_ARGUMENT";
      case TRUNCATED:
        return "TRUNCATED";
      case UNSUPPORTED_VERSION:
        return "UNSUPPORTED_VERSION";
      case UNKNOWN_TYPE:
        return "UNKNOWN_TYPE";
      case WRONG_TYPE:
        return "WRONG_TYPE";
      case LENGTH_MISMATCH:
        return "LENGTH_MISMATCH";
      case OVERSIZED:
        return "OVERSIZED";
      case BAD_FIELD:
        return "BAD_FIELD";
      case BAD_TOPIC:
        return "BAD_TOPIC";
      case STALE_SESSION:
        return "STALE_SESSION";
      case WRONG_TRANSFER:
        return "WRONG_TRANSFER";
      case DUPLICATE:
        return "DUPLICATE";
      case OUT_OF_ORDER:
        return "OUT_OF_ORDER";
      case BAD_CRC:
        return "BAD_CRC";
      case BAD_MAC:
        return "BAD_MAC";
      case NO_SPACE:
        return "NO_SPACE";
      case UNAUTHENTICATED:
        return "UNAUTHENTICATED";
      case REPLAYED:
        return "REPLAYED";
      default:
        return "UNKNOWN";
    }
  }
}
