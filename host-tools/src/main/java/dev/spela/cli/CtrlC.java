package dev.spela.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) for a command that runs until stopped: a shutdown hook that asks the command
 * to stop, then holds the JVM's exit until the command has finished its clean-up ({@link #close})
 * or {@code graceSeconds} have passed.
 */
final class CtrlC implements AutoCloseable {

  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private final Thread hook;

  /** Installs the hook, as thread {@code name}. */
  CtrlC(String name, long graceSeconds) {
    hook = new Thread(() -> {
      stop.countDown();
      try {
        done.await(graceSeconds, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Waits for Ctrl-C. */
  void await() throws InterruptedException {
    stop.await();
  }

  /** Waits at most {@code timeout} for Ctrl-C; true if it came. */
  boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    return stop.await(timeout, unit);
  }

  /** The clean-up is done: the JVM may exit; the hook is removed unless it is running already. */
  @Override
  public void close() {
    done.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down already
    }
  }
}
