package dev.spela.boards.device;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that drive virtual devices' agents: a few threads for many devices (each device is a
 * task that runs when it has work, an event arrives or a timer is due, never on two threads at
 * once), or one thread for one device ({@code spela device run}). Daemon threads; cancelled timers
 * leave the queue at once, as every idle device re-arms its timer.
 */
public final class DeviceScheduler implements AutoCloseable {

  private final ScheduledThreadPoolExecutor executor;

  /** {@code threads} threads named {@code name-1}, {@code name-2}, ... */
  public DeviceScheduler(int threads, String name) {
    if (threads < 1) {
      throw new IllegalArgumentException("a device scheduler needs at least one thread, not " + threads);
    }
    AtomicInteger count = new AtomicInteger();
    ThreadFactory factory = task -> {
      Thread thread = new Thread(task, threads == 1 ? name : name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
    executor = new ScheduledThreadPoolExecutor(threads, factory);
    executor.setRemoveOnCancelPolicy(true);
  }

  ScheduledThreadPoolExecutor executor() {
    return executor;
  }

  public int threads() {
    return executor.getCorePoolSize();
  }

  /** Stops the threads (after the devices it drives were closed); waits up to 10 s for them. */
  @Override
  public void close() {
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
