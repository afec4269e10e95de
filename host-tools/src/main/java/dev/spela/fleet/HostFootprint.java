package dev.spela.fleet;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What this JVM takes from the host: resident memory (Linux's VmRSS), the heap in use after a full
 * collection, and its threads (those of the Paho MQTT clients counted apart).
 *
 * @param residentBytes -1 where /proc/self/status is not available
 */
public record HostFootprint(long residentBytes, long heapBytes, int threads, int mqttThreads) {

  /** Measures now; runs a garbage collection first so that the heap figure is what is live. */
  public static HostFootprint measure() {
    System.gc();
    Runtime runtime = Runtime.getRuntime();
    long heap = runtime.totalMemory() - runtime.freeMemory();
    int mqtt = (int) Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("MQTT")).count();
    return new HostFootprint(resident(), heap, ManagementFactory.getThreadMXBean().getThreadCount(), mqtt);
  }

  private static long resident() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: no figure
    }
    return -1;
  }

  /**
   * One line: this footprint, and what it grew by since {@code before} for each of {@code
   * devices}.
   */
  public String describe(HostFootprint before, int devices) {
    int n = Math.max(1, devices);
    String rss = residentBytes < 0 || before.residentBytes < 0 ? "RSS unknown"
        : String.format(Locale.ROOT, "RSS %.0f MB (+%.2f MB per device)", residentBytes / 1e6,
            (residentBytes - before.residentBytes) / 1e6 / n);
    return String.format(Locale.ROOT, "%s, heap %.0f MB after GC (+%.2f MB per device), %d threads (+%.2f per"
        + " device; %d of them Paho MQTT's)", rss, heapBytes / 1e6, (heapBytes - before.heapBytes) / 1e6 / n,
        threads, (threads - before.threads) / (double) n, mqttThreads);
  }
}
