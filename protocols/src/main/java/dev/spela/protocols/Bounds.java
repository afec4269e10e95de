package dev.spela.protocols;

/**
 * The argument check of steady-state device code: a method given an array range checks it exists
 * before touching it, and answers a range that does not with a status (or, if it returns nothing,
 * by doing nothing), so that the VM never allocates an exception for it (subset-check's
 * EMBEDDED-JAVA-SUBSET.md, "EXCEPTION").
 */
public final class Bounds {

  private Bounds() {}

  /** True if {@code array[offset, offset + length)} exists: non-null, and neither end outside. */
  public static boolean within(byte[] array, int offset, int length) {
    return array != null && offset >= 0 && length >= 0 && offset <= array.length - length;
  }
}
