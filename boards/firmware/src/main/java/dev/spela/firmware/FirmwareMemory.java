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
   * imageBytes} long and whose samples have {@code sampleBytes} bytes: the runtime's arrays, the
   * firmware's buffers, a header on each of those arrays, and the fixed objects.
   */
  public static long javaHeapBytes(MemoryPlan plan, int imageBytes, int sampleBytes) {
    return plan.totalBytes()
        + bufferBytes(imageBytes, sampleBytes)
        + arrayHeaderBytes(plan)
        + objectBytes();
  }

  /** The firmware's own buffers: the whole image (to load and write it) and one sample. */
  public static long bufferBytes(int imageBytes, int sampleBytes) {
    return padded(imageBytes) + padded(sampleBytes);
  }

  /** Headers of the arrays whose number depends on the model: weight rows, and the two buffers. */
  public static long arrayHeaderBytes(MemoryPlan plan) {
    return (long) ARRAY_HEADER_BYTES * (plan.weightRows() + 2);
  }

  /** Objects and arrays that do not depend on the model, with the allocator's slack. */
  public static long objectBytes() {
    return FIXED_HEAP_BYTES + ALLOCATOR_SLACK_BYTES;
  }

  /** {@code bytes} rounded up to TeaVM's 4-byte array padding. */
  private static long padded(int bytes) {
    return (bytes + 3L) & ~3L;
  }
}
