package dev.spela.firmware;

import dev.spela.agent.DeviceAgent;
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
   * Heap taken besides the arrays counted above: TeaVM's startup objects, the runtime's and the
   * firmware's objects, and the validator the start-up check allocates once (measured: the painted
   * heap's high-water mark less the arrays).
   */
  public static final int FIXED_HEAP_BYTES = 3716;

  /**
   * TeaVM's allocator keeps a free-chunk header after the last object: the heap must be larger
   * than what is allocated by at least this.
   */
  public static final int ALLOCATOR_SLACK_BYTES = 16;

  private FirmwareMemory() {}

  /**
   * What the signed firmware's check of its image adds to the Java heap: the trusted key and the
   * Ed25519 verifier with its SHA-512 (measured: the painted heap's high-water mark less the plain
   * firmware's plan, on the Cortex-M4).
   */
  public static final int SIGNATURE_CHECK_HEAP_BYTES = 4876;

  /** The block the firmware reads its written image back through, to hash it. */
  public static final int READ_BACK_BYTES = 256;

  /**
   * Java heap bytes the firmware needs to run a model of this plan whose samples have {@code
   * sampleBytes} bytes: everything the runtime allocates, the firmware's buffers, a header on each
   * of those arrays, and the fixed objects.
   */
  public static long javaHeapBytes(MemoryPlan plan, int sampleBytes) {
    return plan.ramBytes() + bufferBytes(sampleBytes) + arrayHeaderBytes(plan) + objectBytes();
  }

  /** The firmware program's own buffers: one sample, and the block it reads its image back with. */
  public static long bufferBytes(int sampleBytes) {
    return padded(sampleBytes) + READ_BACK_BYTES;
  }

  /** Headers of the runtime's arrays and of the firmware's two buffers. */
  public static long arrayHeaderBytes(MemoryPlan plan) {
    return (long) ARRAY_HEADER_BYTES * (plan.arrayCount() + 2);
  }

  /**
   * The objects (the runtime's, the firmware's, TeaVM's startup objects) and what is left of the
   * start-up checks, with the allocator's slack: the same for every model.
   */
  public static long objectBytes() {
    return FIXED_HEAP_BYTES + ALLOCATOR_SLACK_BYTES;
  }

  /**
   * DATA records the agent firmware keeps while it cannot send them (its store and forward
   * buffer: one DATA message each).
   */
  public static final int AGENT_RECORD_BUFFER = 16;

  /**
   * The agent firmware's objects and arrays that do not depend on the model (the agent's message
   * buffers, the UART transport's frames, flyweights, the state and checkpoint records), with the
   * difference between its start-up objects and the plain firmware's (measured: the painted
   * heap's high-water mark after boot, less {@link #javaHeapBytes} and the parts below, with the
   * allocator's slack): 27,220 measured before signed images; with signed images, receipts and the
   * held window one run used 27,272 and a second ran out at 27,288, so 27,332 (docs/results.md,
   * "The agent firmware in the fleet"). Either rounds to the same TeaVM page of heap.
   */
  public static final int AGENT_FIXED_HEAP_BYTES = 27332;

  /**
   * Java heap bytes the agent firmware needs for a capacity of this plan: what the plain firmware
   * needs, the agent's fixed part, its store-and-forward ring ({@link #AGENT_RECORD_BUFFER} DATA
   * messages of the plan's layers, and their lengths) and its per-layer counters.
   */
  public static long agentHeapBytes(MemoryPlan plan, int sampleBytes) {
    return javaHeapBytes(plan, sampleBytes) + agentBytes(plan);
  }

  /** What the agent adds to the plain firmware's Java heap for a capacity of this plan. */
  public static long agentBytes(MemoryPlan plan) {
    return agentBufferBytes(plan) + agentRingBytes(plan);
  }

  /** The agent's buffers and objects besides its ring: the fixed part and per-layer counters. */
  public static long agentBufferBytes(MemoryPlan plan) {
    return AGENT_FIXED_HEAP_BYTES + (8L + 4 + 4) * plan.layers();
  }

  /** The agent's store-and-forward ring: {@link #AGENT_RECORD_BUFFER} DATA messages, lengths. */
  public static long agentRingBytes(MemoryPlan plan) {
    return DeviceAgent.telemetryBufferBytes(AGENT_RECORD_BUFFER, plan.layers());
  }

  /** {@code bytes} rounded up to TeaVM's 4-byte array padding. */
  private static long padded(int bytes) {
    return (bytes + 3L) & ~3L;
  }
}
