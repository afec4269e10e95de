package dev.spela.protocols.fleet;

import dev.spela.protocols.subset.SteadyState;

/**
 * Counts dropped messages by {@link FleetStatus} code: a receiver never answers a malformed or
 * unexpected message, it counts it here and drops it (PROTOCOL.md, "Receiving").
 */
@SteadyState
public final class DropCounters {

  private final int[] counts = new int[FleetStatus.COUNT];

  /** Counts a failure status (codes outside the table count as BAD_FIELD); returns it. */
  public int drop(int status) {
    int index = -status;
    counts[index > 0 && index < FleetStatus.COUNT ? index : -FleetStatus.BAD_FIELD]++;
    return status;
  }

  /** Messages dropped with this status. */
  public int count(int status) {
    int index = -status;
    return index > 0 && index < FleetStatus.COUNT ? counts[index] : 0;
  }

  public int total() {
    int sum = 0;
    for (int k = 1; k < FleetStatus.COUNT; k++) {
      sum += counts[k];
    }
    return sum;
  }

  public void reset() {
    for (int k = 0; k < FleetStatus.COUNT; k++) {
      counts[k] = 0;
    }
  }
}
