package dev.spela.boards.firmware;

import dev.spela.agent.Checkpoints;
import dev.spela.boards.BoardProfile;
import dev.spela.firmware.FirmwareMemory;
import dev.spela.runtime.MemoryPlan;

/**
 * The RAM the firmware target needs besides the model's arrays: TeaVM's class structures and
 * runtime data (.data and .bss), the GC's tables and page rounding around the Java heap, and the
 * stack. Measured on the firmware (boards/BOARDS.md, "The firmware target"); a test runs the
 * firmware on every board and holds the plan to within 2% of what it measures.
 */
public final class FirmwareOverhead {

  /** .data: TeaVM's class structures, string pool and static fields, newlib's state. */
  public static final long DATA_BYTES = 8352;

  /** .bss: static fields, the GC's and TeaVM's own tables, the instruction meter. */
  public static final long BSS_BYTES = 1456;

  /** The stack's painted high-water mark over a whole run, rounded up to 64 bytes. */
  public static final long STACK_BYTES = 1152;

  /**
   * TeaVM's and newlib's other mallocs, measured: TeaVM's table of interned strings (6 KB), its
   * static GC roots, newlib's random state, and malloc's chunk headers.
   */
  public static final long MALLOC_FIXED_BYTES = 9388;

  /** TeaVM's page: each of its four heap regions is rounded up to it (memory.c, as patched). */
  public static final long TEAVM_PAGE = 64;

  /** TeaVM's GC region (memory.h): one card-table byte and two region bytes per region. */
  public static final long TEAVM_REGION = 2048;

  private FirmwareOverhead() {}

  /**
   * The firmware's RAM besides the runtime's arrays, line by line (boards/BOARDS.md, "The
   * firmware target"): the firmware's buffers, array headers, the fixed objects, TeaVM's
   * heap bookkeeping, its static data (.data and .bss), and the stack.
   */
  public record Lines(
      long buffers, long arrayHeaders, long objects, long heap, long staticData, long stack) {}

  /** The lines for a model of this plan and sample size. */
  public static Lines lines(MemoryPlan model, int sampleBytes) {
    return lines(model, sampleBytes, FirmwareMemory.javaHeapBytes(model, sampleBytes), 0, DATA_BYTES,
        BSS_BYTES, STACK_BYTES);
  }

  private static Lines lines(MemoryPlan model, int sampleBytes, long javaHeap, long moreMalloc, long data,
      long bss, long stack) {
    return new Lines(
        FirmwareMemory.bufferBytes(sampleBytes),
        FirmwareMemory.arrayHeaderBytes(model),
        FirmwareMemory.objectBytes(),
        mallocBytes(javaHeap) + moreMalloc - javaHeap,
        data + bss,
        stack);
  }

  /**
   * What TeaVM's runtime takes with malloc for a Java heap of {@code javaHeap} bytes: the heap,
   * the GC's work area (a sixteenth of the heap), its region table and card table, each rounded
   * up to a page, and the fixed rest.
   */
  public static long mallocBytes(long javaHeap) {
    long regions = javaHeap / TEAVM_REGION + 1;
    return page(javaHeap) + page(javaHeap / 16) + page(2 * regions) + page(regions)
        + MALLOC_FIXED_BYTES;
  }

  /** The firmware's RAM: what the board's SRAM leaves after the system's reservations. */
  public static long ramBytes(BoardProfile board) {
    return board.sramBytes() - board.reservedRamBytes();
  }

  /** The layout of a firmware for this model on this board. */
  public static FirmwareLayout layout(
      BoardProfile board, MemoryPlan model, int imageBytes, int sampleBytes) {
    return layout(board, imageBytes, FirmwareMemory.javaHeapBytes(model, sampleBytes));
  }

  /**
   * The layout of a firmware that checks the signature of its image ({@code imageBytes}: the
   * model image and its trailer) before it loads it: its heap has the verifier too.
   */
  public static FirmwareLayout signedLayout(
      BoardProfile board, MemoryPlan model, int imageBytes, int sampleBytes) {
    return layout(board, imageBytes, FirmwareMemory.javaHeapBytes(model, sampleBytes)
        + FirmwareMemory.SIGNATURE_CHECK_HEAP_BYTES, SIGNED_MALLOC_BYTES);
  }

  /**
   * TeaVM's other mallocs in the signed firmware: the verifier's classes' static GC roots
   * (measured: it stops 32 bytes short without them).
   */
  public static final long SIGNED_MALLOC_BYTES = 32;

  private static FirmwareLayout layout(BoardProfile board, int imageBytes, long javaHeap) {
    return layout(board, imageBytes, javaHeap, 0);
  }

  private static FirmwareLayout layout(
      BoardProfile board, int imageBytes, long javaHeap, long moreMalloc) {
    return new FirmwareLayout(
        ramBytes(board),
        board.flashBytes(),
        board.flashSectorBytes(),
        roundUp(imageBytes, board.flashSectorBytes()),
        javaHeap,
        mallocBytes(javaHeap) + moreMalloc,
        STACK_BYTES);
  }

  /** .data of the agent firmware: the agent's class structures and strings too (measured). */
  public static final long AGENT_DATA_BYTES = 13880;

  /** .bss of the agent firmware: the agent's static fields too (measured). */
  public static final long AGENT_BSS_BYTES = 1496;

  /**
   * The agent firmware's lines for a capacity of this plan: as {@link #lines}, with its heap
   * bookkeeping, static data and stack; what the agent's buffers add to the Java heap is {@link
   * FirmwareMemory#agentBytes}.
   */
  public static Lines agentLines(MemoryPlan model, int sampleBytes) {
    return lines(model, sampleBytes, FirmwareMemory.agentHeapBytes(model, sampleBytes), AGENT_MALLOC_BYTES,
        AGENT_DATA_BYTES, AGENT_BSS_BYTES, AGENT_STACK_BYTES);
  }

  /** TeaVM's other mallocs in the agent firmware: a little more than the plain one's (measured). */
  public static final long AGENT_MALLOC_BYTES = 64;

  /**
   * The agent firmware's stack: the painted high-water mark of a session (boot, a transfer and
   * its trial boot, training, evaluation, a checkpoint: 1,548 bytes), rounded up to 64 bytes.
   */
  public static final long AGENT_STACK_BYTES = 1600;

  /**
   * The layout of an agent firmware whose capacity is this model (its factory image's): every
   * slot takes the image and a checkpoint's header.
   */
  public static FirmwareLayout agentLayout(
      BoardProfile board, MemoryPlan model, int imageBytes, int sampleBytes) {
    long javaHeap = FirmwareMemory.agentHeapBytes(model, sampleBytes);
    return new FirmwareLayout(
        ramBytes(board),
        board.flashBytes(),
        board.flashSectorBytes(),
        roundUp(imageBytes + Checkpoints.IMAGE_OFFSET, board.flashSectorBytes()),
        javaHeap,
        mallocBytes(javaHeap) + AGENT_MALLOC_BYTES,
        AGENT_STACK_BYTES);
  }

  /**
   * The RAM an agent firmware of this layout takes (its static data, what TeaVM's runtime takes
   * with malloc, its stack): the plan's figure, which the firmware reports as its RAM used.
   */
  public static long agentRamBytes(FirmwareLayout layout) {
    return AGENT_DATA_BYTES + AGENT_BSS_BYTES + layout.mallocBytes() + layout.stackBytes();
  }

  private static long page(long bytes) {
    return roundUp(bytes, TEAVM_PAGE);
  }

  private static long roundUp(long bytes, long unit) {
    return (bytes + unit - 1) / unit * unit;
  }
}
