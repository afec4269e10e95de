package dev.spela.firmware;

import dev.spela.runtime.MemoryPlan;

/**
 * The Java heap the firmware needs for a model, in TeaVM's object layout: every array has a
 * 12-byte header (class, hash, length) and is padded to 4 bytes; the objects and arrays that do
 * not depend on the model (TeaVM's runtime, this firmware's and the runtime's fixed objects) take
 * a fixed amount, measured on the firmware (boards/BOARDS.md, "The firmware target"). Device code:
 * the firmware checks a model against its heap with it before it allocates anything, and the
 * host's plan uses the same figures.
 */
public final class FirmwareMemory {

  /** TeaVM's array header on a 32-bit core: class word, hash word, length. */
  public static final int ARRAY_HEADER_BYTES = 12;

  /**
   * Heap taken before and besides the model's arrays: TeaVM's startup objects, the firmware's and
   * the runtime's fixed objects and the headers of their fixed arrays (measured: the heap used
   * with no model arrays, from the firmware's painted heap).
   */
  public static final int FIXED_HEAP_BYTES = 3596;

  /**
   * TeaVM's allocator keeps a free-chunk header after the last object: the heap must be larger
   * than what is allocated by at least this.
   */
  public static final int ALLOCATOR_SLACK_BYTES = 16;

  private FirmwareMemory() {}

  /**
   * Java heap bytes the firmware needs to run a model of this plan whose image is {@code
   * imageBytes} long and whose samples have {@code sampleBytes} bytes.
   */
  public static long javaHeapBytes(MemoryPlan plan, int imageBytes, int sampleBytes) {
    return FIXED_HEAP_BYTES
        + plan.totalBytes()
        + (long) ARRAY_HEADER_BYTES * plan.weightRows()
        + padded(imageBytes)
        + padded(sampleBytes)
        + ALLOCATOR_SLACK_BYTES;
  }

  private static long padded(int bytes) {
    return ARRAY_HEADER_BYTES + ((bytes + 3L) & ~3L);
  }
}
