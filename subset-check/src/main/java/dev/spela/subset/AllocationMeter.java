package dev.spela.subset;

import java.lang.management.ManagementFactory;

/**
 * Measures the heap bytes the current thread allocates while it runs an action, with HotSpot's
 * per-thread counter. The device modules' zero-allocation tests use it under {@code -Xint}, where
 * no JIT escape analysis can hide an allocation an embedded interpreter would make: they measure
 * the very first call after initialisation (lazy class initialisation and first-use allocations
 * show there) as well as warm calls.
 */
public final class AllocationMeter {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** What reading the counter twice allocates by itself, subtracted from every measurement. */
  private static final long OVERHEAD;

  static {
    if (!THREADS.isThreadAllocatedMemorySupported()) {
      throw new IllegalStateException("this JVM cannot count the bytes a thread allocates");
    }
    THREADS.setThreadAllocatedMemoryEnabled(true);
    long overhead = Long.MAX_VALUE;
    for (int n = 0; n < 5; n++) {
      long before = THREADS.getCurrentThreadAllocatedBytes();
      overhead = Math.min(overhead, THREADS.getCurrentThreadAllocatedBytes() - before);
    }
    OVERHEAD = overhead;
  }

  private AllocationMeter() {}

  /** Bytes the current thread allocated while running the action. */
  public static long bytesAllocatedBy(Runnable action) {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    action.run();
    return THREADS.getCurrentThreadAllocatedBytes() - before - OVERHEAD;
  }

  /**
   * Fails, naming {@code what} and the bytes, unless running the action allocates nothing (a
   * lambda passed here is created before the measurement starts).
   */
  public static void assertAllocatesNothing(String what, Runnable action) {
    long bytes = bytesAllocatedBy(action);
    if (bytes != 0) {
      throw new AssertionError(what + " allocated " + bytes + " bytes, expected none");
    }
  }
}
