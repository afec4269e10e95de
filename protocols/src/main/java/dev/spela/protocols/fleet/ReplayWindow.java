package dev.spela.protocols.fleet;

import dev.spela.protocols.subset.SteadyState;

/**
 * The counter rule of PROTOCOL.md section 5: keeps the {@link #SIZE} largest trailer counters
 * accepted from one sender in one scope. A counter is fresh if it is larger than the smallest kept
 * one (or fewer than {@link #SIZE} are kept) and equal to none of them; a fresh counter replaces
 * the smallest. So a replay is always refused (a counter once accepted is either kept, or below
 * every kept one: evicting the smallest only ever raises the smallest), while messages that the
 * broker delivers slightly out of the order they were sealed in (different topics, QoS 0 beside
 * QoS 1, several publishing threads) are still taken. Counters are unsigned 64-bit values.
 * Allocates nothing after construction.
 */
@SteadyState
public final class ReplayWindow {

  /** Counters kept: how far out of order a message may arrive and still be taken. */
  public static final int SIZE = 16;

  private final long[] kept = new long[SIZE];
  private int count;

  /** Forgets every counter: a new scope (a device's new session, a host's first message). */
  public void reset() {
    count = 0;
  }

  /** {@link FleetStatus#OK} and keeps the counter if it is fresh, else {@link FleetStatus#REPLAYED}. */
  public int accept(long counter) {
    int smallest = -1;
    for (int k = 0; k < count; k++) {
      if (kept[k] == counter) {
        return FleetStatus.REPLAYED;
      }
      if (smallest < 0 || below(kept[k], kept[smallest])) {
        smallest = k;
      }
    }
    if (count < SIZE) {
      kept[count++] = counter;
      return FleetStatus.OK;
    }
    if (!below(kept[smallest], counter)) {
      return FleetStatus.REPLAYED;
    }
    kept[smallest] = counter;
    return FleetStatus.OK;
  }

  /** Unsigned {@code a < b}. */
  private static boolean below(long a, long b) {
    return a + Long.MIN_VALUE < b + Long.MIN_VALUE;
  }
}
