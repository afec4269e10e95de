package dev.spela.protocols.image;

/** Little-endian reads and writes at absolute positions of a byte array; callers check bounds. */
public final class LittleEndian {

  private LittleEndian() {}

  public static int u8(byte[] b, int at) {
    return b[at] & 0xFF;
  }

  public static int u16(byte[] b, int at) {
    return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
  }

  public static short i16(byte[] b, int at) {
    return (short) u16(b, at);
  }

  public static int i32(byte[] b, int at) {
    return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | b[at + 3] << 24;
  }

  public static long i64(byte[] b, int at) {
    return (i32(b, at) & 0xFFFFFFFFL) | (long) i32(b, at + 4) << 32;
  }

  public static void put8(byte[] b, int at, int v) {
    b[at] = (byte) v;
  }

  public static void put16(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
  }

  public static void put32(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }

  public static void put64(byte[] b, int at, long v) {
    put32(b, at, (int) v);
    put32(b, at + 4, (int) (v >>> 32));
  }
}
