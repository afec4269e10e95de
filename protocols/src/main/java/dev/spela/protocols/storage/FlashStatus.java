package dev.spela.protocols.storage;

/** Status codes of {@link FlashRegion} calls: 0 is success, failures are negative (-48 .. -51). */
public final class FlashStatus {

  public static final int OK = 0;

  /** A null buffer, a negative length, or a range outside the area or the buffer. */
  public static final int OUT_OF_RANGE = -48;

  /** A write onto bytes that were not erased. */
  public static final int NOT_ERASED = -49;

  /** An erase that does not cover whole sectors. */
  public static final int MISALIGNED = -50;

  /** The storage itself failed (a flash controller error, an I/O error of a backing file). */
  public static final int IO_ERROR = -51;

  /** The byte value of erased flash. */
  public static final int ERASED = 0xFF;

  private FlashStatus() {}

  /** True if {@code [offset, offset + length)} lies inside {@code [0, size)}. */
  public static boolean inside(int offset, int length, int size) {
    return offset >= 0 && length >= 0 && offset <= size - length;
  }

  public static String name(int status) {
    switch (status) {
      case OK:
        return "OK";
      case OUT_OF_RANGE:
        return "OUT_OF_RANGE";
      case NOT_ERASED:
        return "NOT_ERASED";
      case MISALIGNED:
        return "MISALIGNED";
      case IO_ERROR:
        return "IO_ERROR";
      default:
        return "UNKNOWN";
    }
  }
}
