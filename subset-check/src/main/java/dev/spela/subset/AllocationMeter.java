package dev.spela.subset;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * Measures the heap bytes the current thread allocates while it runs an action, with HotSpot's
 * per-thread counter. The device modules' zero-allocation tests use it under {@code -Xint}, where
 * no JIT escape analysis can hide an allocation an embedded interpreter would make: they measure
 * the very first call after initialisation (a static initialiser that allocates, or any other
 * first-use allocation, shows there) as well as warm calls. Initialisation means what it means
 * on the device: the program's classes are loaded ({@link #loadClasses}) and the device has built
 * its objects.
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

  /**
   * Loads, without initialising, every class of the program, as a device VM has its whole program
   * loaded before it runs (TeaVM compiles it ahead of time, a CLDC or MicroEJ VM links it into
   * flash): HotSpot would otherwise allocate while loading a class at its first use, which is no
   * device's cost. Static initialisers still run lazily, so a first call still shows one that
   * allocates.
   *
   * @param program folders of class files or jars
   */
  public static void loadClasses(ClassLoader loader, Path... program) {
    try {
      for (Path path : program) {
        for (ClassFiles.ClassFile file : ClassFiles.read(path)) {
          Class.forName(file.binaryName(), false, loader);
        }
      }
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException("cannot load the program's classes: " + e.getMessage(), e);
    }
  }

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
