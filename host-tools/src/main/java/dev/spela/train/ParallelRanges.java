package dev.spela.train;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a task over slices of an index range on a fixed set of threads, the calling thread
 * included. Per-sample training has phases of tens of microseconds, far shorter than a thread
 * wake-up from a blocking queue, so idle workers spin briefly before they park.
 *
 * <p>Slices are contiguous and every index is handled by exactly one thread; callers keep their
 * results independent of the split (no floating-point reductions across slices), so the numbers
 * are the same for any thread count.
 */
public final class ParallelRanges implements AutoCloseable {

  /** Work over {@code [from, to)}, done by the worker numbered {@code worker}. */
  @FunctionalInterface
  public interface RangeTask {
    void run(int worker, int from, int to);
  }

  /** Below this many indices per thread a split costs more than it saves. */
  private static final int MIN_SLICE = 64;
  /** Slices start at multiples of this, so vector loops start aligned. */
  private static final int ALIGN = 16;
  private static final int SPINS_BEFORE_PARK = 1 << 14;

  private final int threads;
  private final Worker[] workers;
  private final AtomicInteger pending = new AtomicInteger();
  private volatile RangeTask task;
  private volatile int length;
  private volatile boolean closed;
  private Throwable failure;

  public ParallelRanges(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.threads = threads;
    this.workers = new Worker[threads - 1];
    for (int w = 0; w < workers.length; w++) {
      workers[w] = new Worker(w + 1);
      workers[w].start();
    }
  }

  public int threads() {
    return threads;
  }

  /** Runs {@code task} over {@code [0, n)} split across the threads, and returns when all are done. */
  public void run(int n, RangeTask task) {
    int used = Math.min(threads, Math.max(1, n / MIN_SLICE));
    if (used == 1) {
      task.run(0, 0, n);
      return;
    }
    this.task = task;
    this.length = n;
    pending.set(used - 1);
    for (int w = 0; w < used - 1; w++) {
      workers[w].release(used);
    }
    task.run(0, 0, sliceEnd(0, n, used));
    int spins = 0;
    while (pending.get() != 0) {
      if (++spins < SPINS_BEFORE_PARK) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
    if (failure != null) {
      Throwable t = failure;
      failure = null;
      throw new IllegalStateException("a training thread failed: " + t, t);
    }
  }

  private static int sliceEnd(int slice, int n, int slices) {
    if (slice == slices - 1) {
      return n;
    }
    long end = (long) n * (slice + 1) / slices;
    return (int) (end / ALIGN * ALIGN);
  }

  @Override
  public void close() {
    closed = true;
    for (Worker worker : workers) {
      LockSupport.unpark(worker);
    }
  }

  private final class Worker extends Thread {
    private final int index;
    private volatile int generation;
    private volatile int slices;
    private volatile boolean parked;
    private int seen;

    Worker(int index) {
      super("spela-train-" + index);
      this.index = index;
      setDaemon(true);
    }

    void release(int slicesInUse) {
      slices = slicesInUse;
      generation++;
      if (parked) {
        LockSupport.unpark(this);
      }
    }

    @Override
    public void run() {
      while (!closed) {
        if (!awaitWork()) {
          return;
        }
        seen = generation;
        int n = length;
        int used = slices;
        try {
          task.run(index, sliceEnd(index - 1, n, used), sliceEnd(index, n, used));
        } catch (Throwable t) {
          failure = t;
        }
        pending.decrementAndGet();
      }
    }

    private boolean awaitWork() {
      int spins = 0;
      while (generation == seen) {
        if (closed) {
          return false;
        }
        if (++spins < SPINS_BEFORE_PARK) {
          Thread.onSpinWait();
        } else {
          parked = true;
          if (generation == seen && !closed) {
            LockSupport.park(this);
          }
          parked = false;
        }
      }
      return true;
    }
  }
}
