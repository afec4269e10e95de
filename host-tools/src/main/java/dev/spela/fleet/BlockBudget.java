package dev.spela.fleet;

import java.time.Duration;

/**
 * How often a host answers BLOCK_REQUESTs for one block of a transfer (PROTOCOL.md section 10,
 * Host, step 3): at most {@link #SENDS_PER_WINDOW} times per {@link #WINDOW}, the first answer and
 * one more for the device's immediate re-request after a bad block; the window is shorter than the
 * device's retry time (5 s), so its retries are always answered. Requests beyond that, however
 * many, cost nothing: no amplification.
 */
final class BlockBudget {

  static final Duration WINDOW = Duration.ofSeconds(4);
  static final int SENDS_PER_WINDOW = 2;

  private final long[] windowStart;
  private final int[] sends;

  BlockBudget(int blocks) {
    windowStart = new long[blocks];
    sends = new int[blocks];
  }

  /** True, and counted, if block {@code index} may be sent at {@code nowNanos} (System.nanoTime). */
  synchronized boolean take(int index, long nowNanos) {
    if (sends[index] == 0 || nowNanos - windowStart[index] >= WINDOW.toNanos()) {
      windowStart[index] = nowNanos;
      sends[index] = 0;
    }
    if (sends[index] >= SENDS_PER_WINDOW) {
      return false;
    }
    sends[index]++;
    return true;
  }
}
