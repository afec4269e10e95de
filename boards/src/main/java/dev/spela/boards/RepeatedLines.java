package dev.spela.boards;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Keeps a fault that repeats to one log line with a count: the first line of a kind is said at
 * once, the same kind again within the interval only counted, and the count said with the next
 * line of that kind after the interval (or by {@link #flush}). Thread-safe.
 */
public final class RepeatedLines {

  private record Seen(long saidAtNanos, long repeats, String lastLine) {}

  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Seen> seen = new LinkedHashMap<>();

  /** Repeats within {@code intervalMillis} of the last line said are counted, not said. */
  public RepeatedLines(long intervalMillis) {
    this(intervalMillis, System::nanoTime);
  }

  RepeatedLines(long intervalMillis, LongSupplier nanoTime) {
    this.intervalNanos = intervalMillis * 1_000_000;
    this.nanoTime = nanoTime;
  }

  /**
   * Takes a line of kind {@code key}; returns the line to log (with the repeats counted since the
   * last one said, if any) or null to say nothing now.
   */
  public synchronized String admit(String key, String line) {
    long now = nanoTime.getAsLong();
    Seen last = seen.get(key);
    if (last != null && now - last.saidAtNanos() < intervalNanos) {
      seen.put(key, new Seen(last.saidAtNanos(), last.repeats() + 1, line));
      return null;
    }
    seen.put(key, new Seen(now, 0, line));
    return last == null || last.repeats() == 0
        ? line
        : line + " (" + last.repeats() + " more like it since the last one shown)";
  }

  /** Says every count not yet said, as the last line of its kind with the count. */
  public synchronized void flush(Consumer<String> say) {
    seen.replaceAll((key, s) -> {
      if (s.repeats() > 0) {
        say.accept(s.lastLine() + " (" + s.repeats() + " like it since the last one shown)");
      }
      return new Seen(s.saidAtNanos(), 0, s.lastLine());
    });
  }
}
