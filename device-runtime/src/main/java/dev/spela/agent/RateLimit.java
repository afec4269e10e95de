package dev.spela.agent;

import dev.spela.protocols.subset.SteadyState;

/**
 * A command's rate limit on the device (PROTOCOL.md section 8, ACK {@code RATE_LIMITED}): up to
 * {@code burst} at once, then one per {@code intervalMillis} (a token bucket, kept as the time the
 * bucket is full again). CHECKPOINT wears the flash and EVALUATE takes the processor, so a flood
 * of either, even from the genuine host, is refused instead of obeyed.
 */
@SteadyState
final class RateLimit {

  private final long intervalMillis;
  private final long burstMillis;
  private long fullAt;
  private boolean used;

  RateLimit(long intervalMillis, int burst) {
    this.intervalMillis = intervalMillis;
    this.burstMillis = intervalMillis * burst;
  }

  /** True, and counts it, if one more is allowed at {@code nowMillis} (a monotonic clock). */
  boolean take(long nowMillis) {
    long full = !used || fullAt < nowMillis ? nowMillis : fullAt;
    if (full + intervalMillis - nowMillis > burstMillis) {
      return false;
    }
    fullAt = full + intervalMillis;
    used = true;
    return true;
  }
}
