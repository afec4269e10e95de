package dev.spela.fleet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * Stores records in batches on a thread of its own, and only then acknowledges them. Whatever is
 * waiting when a batch begins goes into it (group commit): one record at a time when the fleet is
 * quiet, larger transactions under load. After the commit, each record's acknowledgement runs (the
 * MQTT PUBACK, see {@link HostConnection.Delivery#hold()}) and the listener learns what was
 * committed and which records were new. If the database fails, the batch is retried until it
 * commits: nothing is acknowledged meanwhile, so the broker keeps the records (and stops sending
 * once its window is full).
 */
public final class TelemetryWriter implements AutoCloseable {

  /** Learns what a batch committed (every record of it) and which of its records were new. */
  public interface Listener {
    void stored(List<TelemetryRecord> committed, List<TelemetryRecord> fresh);
  }

  private static final int MAX_BATCH = 2_000;
  private static final long RETRY_MS = 1_000;

  private record Pending(TelemetryRecord record, Runnable acknowledge) {}

  private final TelemetryStore store;
  private final Listener listener;
  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Object progress = new Object();
  private long submitted;
  private long committed;
  private volatile boolean closing;

  public TelemetryWriter(TelemetryStore store, Listener listener) {
    this.store = store;
    this.listener = listener;
    thread = new Thread(this::run, "telemetry-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues a record; {@code acknowledge} runs once it is committed (or found already stored). */
  public void submit(TelemetryRecord record, Runnable acknowledge) {
    synchronized (progress) {
      submitted++;
    }
    queue.add(new Pending(record, acknowledge));
  }

  /**
   * Waits until everything submitted so far is committed and acknowledged.
   *
   * @return false if that took longer than {@code timeoutMs}
   */
  public boolean flush(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    synchronized (progress) {
      long target = submitted;
      while (committed < target) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        progress.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  private void run() {
    List<Pending> batch = new ArrayList<>();
    try {
      while (!(closing && queue.isEmpty())) {
        Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        commit(batch);
        batch.clear();
      }
    } catch (InterruptedException e) {
      Logger.warn("telemetry writer stopped with {} record(s) not stored", batch.size() + queue.size());
    } finally {
      stopped.countDown();
    }
  }

  private void commit(List<Pending> batch) throws InterruptedException {
    List<TelemetryRecord> records = new ArrayList<>(batch.size());
    batch.forEach(p -> records.add(p.record()));
    boolean[] inserted = null;
    boolean reported = false;
    while (inserted == null) {
      try {
        inserted = store.storeAll(records);
        if (reported) {
          Logger.info("telemetry store available again");
        }
      } catch (IOException e) {
        if (!reported) {
          Logger.error("{}; keeping {} record(s) unacknowledged and retrying", e.getMessage(), records.size());
          reported = true;
        }
        TimeUnit.MILLISECONDS.sleep(RETRY_MS); // back off before trying the database again
      }
    }
    batch.forEach(p -> p.acknowledge().run());
    List<TelemetryRecord> fresh = new ArrayList<>();
    for (int k = 0; k < inserted.length; k++) {
      if (inserted[k]) {
        fresh.add(records.get(k));
      }
    }
    try {
      listener.stored(records, fresh);
    } catch (RuntimeException e) {
      Logger.warn(e, "after storing telemetry");
    }
    synchronized (progress) {
      committed += batch.size();
      progress.notifyAll();
    }
  }

  /** Commits what is queued (waiting for the database at most {@code 30 s}), then stops. */
  @Override
  public void close() {
    closing = true;
    try {
      if (!stopped.await(30, TimeUnit.SECONDS)) {
        thread.interrupt();
        stopped.await(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
