package dev.spela.fleet;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.tinylog.Logger;

/**
 * The log of dropped messages, without a line per message (PROTOCOL.md 12: a flood of junk must
 * not become a flood of log lines): the first drop of each reason gets a line of its own, later
 * ones are counted and summed up in one line at most once a minute.
 */
public final class DropLog {

  private static final Duration SUMMARY_INTERVAL = Duration.ofMinutes(1);

  private final String what;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final Map<String, Integer> counts = new TreeMap<>();
  private long lastSummary;

  /** A log of dropped {@code what}s ("message", "claim"). */
  public DropLog(String what) {
    this(what, SUMMARY_INTERVAL, System::nanoTime);
  }

  DropLog(String what, Duration interval, LongSupplier nanoClock) {
    this.what = what;
    this.intervalNanos = interval.toNanos();
    this.nanoClock = nanoClock;
    this.lastSummary = nanoClock.getAsLong();
  }

  /** Counts a drop for {@code reason} of a {@code what} on {@code where}, and logs it if it is due. */
  public void drop(String reason, String where) {
    String line = record(reason, where);
    if (line != null) {
      Logger.warn(line);
    }
  }

  /** Drops counted for {@code reason}. */
  public synchronized int count(String reason) {
    return counts.getOrDefault(reason, 0);
  }

  /** Counts the drop; the line to log now, or null. */
  synchronized String record(String reason, String where) {
    int count = counts.merge(reason, 1, Integer::sum);
    long now = nanoClock.getAsLong();
    if (count == 1) {
      return "dropped a " + what + " on " + where + ": " + reason
          + " (further drops are summed up at most once a minute)";
    }
    if (now - lastSummary >= intervalNanos) {
      lastSummary = now;
      return what + "s dropped so far, by reason: " + counts;
    }
    return null;
  }
}
