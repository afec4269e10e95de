package dev.spela.train;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a task over an index range cut into fixed chunks, on a fixed set of threads, the calling
 * thread included. Per-sample training has phases of tens of microseconds, far shorter than a
 * thread wake-up from a blocking queue, so idle workers spin briefly before they park.
 *
 * <p>Threads claim chunks from a shared cursor rather than owning a fixed share, so a worker that
 * the operating system has descheduled (another process wants the core) delays a phase by one
 * chunk at most: the caller takes over the rest. Chunk boundaries depend only on the range, and
 * callers keep results independent of which thread runs a chunk (no floating-point reductions
 * across chunks), so the numbers are the same for any thread count.
 */
public final class ParallelRanges implements AutoCloseable {

  /** Work over {@code [from, to)}, done by the worker numbered {@code worker}. */
  @FunctionalInterface
  public interface RangeTask {
    void run(int worker, int from, int to);
  }

  /** Indices per chunk: a multiple of 16 so vector loops start aligned, large enough to pay for a claim. */
  private static final int CHUNK = 128;
  private static final int SPINS_BEFORE_PARK = 1 << 14;

  private final int threads;
  private final Worker[] workers;
  /** The phase's generation in the high half, the next unclaimed chunk in the low half. */
  private final AtomicLong cursor = new AtomicLong();
  private final AtomicInteger chunksDone = new AtomicInteger();
  private RangeTask task;
  private int length;
  private int chunks;
  private volatile boolean closed;
  private volatile Throwable failure;

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

  /** Runs {@code task} over {@code [0, n)} and returns when every chunk is done. */
  public void run(int n, RangeTask task) {
    int chunkCount = (n + CHUNK - 1) / CHUNK;
    if (threads == 1 || chunkCount < 2) {
      task.run(0, 0, n);
      return;
    }
    this.task = task;
    this.length = n;
    this.chunks = chunkCount;
    chunksDone.set(0);
    long generation = (cursor.get() >>> 32) + 1;
    cursor.set(generation << 32); // publishes the fields above
    for (Worker worker : workers) {
      if (worker.parked) {
        LockSupport.unpark(worker);
      }
    }
    work(0, generation);
    int spins = 0;
    while (chunksDone.get() != chunkCount) {
      if (++spins < SPINS_BEFORE_PARK) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
    Throwable thrown = failure;
    if (thrown != null) {
      failure = null;
      throw new IllegalStateException("a training thread failed: " + thrown, thrown);
    }
  }

  /** Claims and runs chunks of phase {@code generation} until none is left. */
  private void work(int worker, long generation) {
    while (true) {
      long current = cursor.get();
      int chunk = (int) current;
      if (current >>> 32 != generation) {
        return;
      }
      RangeTask phaseTask = task;
      int n = length;
      if (chunk >= chunks) {
        return;
      }
      // A successful claim proves the fields read above belong to this generation: the next one
      // cannot be published before this chunk is done.
      if (!cursor.compareAndSet(current, current + 1)) {
        continue;
      }
      try {
        phaseTask.run(worker, chunk * CHUNK, Math.min(n, (chunk + 1) * CHUNK));
      } catch (Throwable t) {
        failure = t;
      }
      chunksDone.incrementAndGet();
    }
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
    volatile boolean parked;
    private long seenGeneration;

    Worker(int index) {
      super("spela-train-" + index);
      this.index = index;
      setDaemon(true);
    }

    @Override
    public void run() {
      int spins = 0;
      while (!closed) {
        long generation = cursor.get() >>> 32;
        if (generation != seenGeneration) {
          seenGeneration = generation;
          work(index, generation);
          spins = 0;
        } else if (++spins < SPINS_BEFORE_PARK) {
          Thread.onSpinWait();
        } else {
          parked = true;
          if (cursor.get() >>> 32 == seenGeneration && !closed) {
            LockSupport.park(this);
          }
          parked = false;
          spins = 0;
        }
      }
    }
  }
}
