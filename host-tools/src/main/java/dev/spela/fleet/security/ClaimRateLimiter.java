package dev.spela.fleet.security;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets for claims: one per claim id and one for the whole batch. A claim goes through only
 * if both have a token (and then takes one from each), so neither a unit asking in a loop nor many
 * units at once can make the host do unbounded work. Only authenticated claims reach it, so it
 * keeps one bucket per real unit.
 */
public final class ClaimRateLimiter {

  /** {@code burst} claims at once, then one more every {@code every}. */
  public record Limit(int burst, Duration every) {}

  /**
   * Reference limits (PROTOCOL.md 15.2): per claim id 3, then one per 30 s; per batch 60, then 2
   * per second.
   */
  public static final Limit PER_CLAIM = new Limit(3, Duration.ofSeconds(30));

  public static final Limit PER_BATCH = new Limit(60, Duration.ofMillis(500));

  private final Limit perClaim;
  private final Bucket batch;
  private final Map<String, Bucket> claims = new HashMap<>();
  private final LongSupplier nanoTime;

  public ClaimRateLimiter(Limit perClaim, Limit perBatch, LongSupplier nanoTime) {
    this.perClaim = perClaim;
    this.nanoTime = nanoTime;
    this.batch = new Bucket(perBatch, nanoTime.getAsLong());
  }

  public ClaimRateLimiter() {
    this(PER_CLAIM, PER_BATCH, System::nanoTime);
  }

  /** Whether this claim may be answered now; if so, it is counted against both limits. */
  public synchronized boolean allow(String claimId) {
    long now = nanoTime.getAsLong();
    Bucket claim = claims.computeIfAbsent(claimId, id -> new Bucket(perClaim, now));
    claim.refill(now);
    batch.refill(now);
    if (claim.tokens < 1 || batch.tokens < 1) {
      return false;
    }
    claim.tokens--;
    batch.tokens--;
    return true;
  }

  private static final class Bucket {
    final Limit limit;
    double tokens;
    long last;

    Bucket(Limit limit, long now) {
      this.limit = limit;
      this.tokens = limit.burst();
      this.last = now;
    }

    void refill(long now) {
      tokens = Math.min(limit.burst(), tokens + (double) (now - last) / limit.every().toNanos());
      last = now;
    }
  }
}
