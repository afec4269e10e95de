package dev.spela.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The run's HTML report: for every device, learning curves of every layer (training accuracy and
 * local loss over the samples seen) as inline SVG, from the telemetry stored in the run folder.
 * One self-contained file: no scripts, styles or fonts from the network.
 */
public final class FleetReport {

  private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  private static final int WIDTH = 420;
  private static final int HEIGHT = 220;
  private static final int PAD = 40;

  private FleetReport() {}

  /**
   * Writes {@code report.html} into the run folder (atomically) and returns its path.
   *
   * @param summary optional lines shown above the charts (e.g. final accuracies), may be empty
   */
  public static Path write(Path runDir, String title, List<String> summary) throws IOException {
    Map<String, List<TelemetryStore.Row>> rows = TelemetryStore.read(runDir);
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(escape(title))
        .append("</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}"
            + "svg{border:1px solid #ddd;margin:4px}h2{margin-top:1.5em}"
            + "td,th{padding:2px 10px;text-align:right}th{border-bottom:1px solid #999}</style>"
            + "</head><body>\n<h1>")
        .append(escape(title))
        .append("</h1>\n<p>Written ").append(Instant.now()).append(" from ")
        .append(escape(runDir.toAbsolutePath().resolve("telemetry").toString())).append(".</p>\n");
    for (String line : summary) {
      html.append("<p>").append(escape(line)).append("</p>\n");
    }
    html.append("<table><tr><th>device</th><th>records</th><th>samples seen</th>");
    int maxLayers = rows.values().stream().mapToInt(FleetReport::layers).max().orElse(0);
    for (int k = 0; k < maxLayers; k++) {
      html.append("<th>layer ").append(k).append(" train acc.</th>");
    }
    html.append("</tr>\n");
    for (Map.Entry<String, List<TelemetryStore.Row>> device : rows.entrySet()) {
      List<TelemetryStore.Row> list = device.getValue();
      Map<Integer, TelemetryStore.Row> last = lastPerLayer(list);
      long records = list.stream().map(r -> r.bdSeq() << 32 | r.record()).distinct().count();
      long samples = list.stream().mapToLong(TelemetryStore.Row::samplesSeen).max().orElse(0);
      html.append("<tr><td>").append(escape(device.getKey())).append("</td><td>").append(records)
          .append("</td><td>").append(samples).append("</td>");
      for (int k = 0; k < maxLayers; k++) {
        TelemetryStore.Row row = last.get(k);
        html.append("<td>").append(row == null ? "" : percent(row.accuracyQ15() / 32768.0)).append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</table>\n");
    for (Map.Entry<String, List<TelemetryStore.Row>> device : rows.entrySet()) {
      List<TelemetryStore.Row> list = device.getValue();
      html.append("<h2>").append(escape(device.getKey())).append("</h2>\n");
      html.append(chart(list, "training accuracy (window)", r -> r.accuracyQ15() / 32768.0, 0, 1));
      html.append(chart(list, "local loss -cos(h, v_label)", r -> r.lossQ15() / 32768.0, -1, 0));
      html.append("\n");
    }
    html.append("</body></html>\n");
    Path report = runDir.resolve("report.html");
    Path temp = runDir.resolve("report.html.tmp");
    Files.writeString(temp, html, StandardCharsets.UTF_8);
    Files.move(temp, report, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return report;
  }

  private static int layers(List<TelemetryStore.Row> rows) {
    return rows.stream().mapToInt(TelemetryStore.Row::layer).max().orElse(-1) + 1;
  }

  private static Map<Integer, TelemetryStore.Row> lastPerLayer(List<TelemetryStore.Row> rows) {
    Map<Integer, TelemetryStore.Row> last = new TreeMap<>();
    for (TelemetryStore.Row row : rows) {
      TelemetryStore.Row seen = last.get(row.layer());
      if (seen == null || row.samplesSeen() >= seen.samplesSeen()) {
        last.put(row.layer(), row);
      }
    }
    return last;
  }

  /** One line per layer: value over samples seen. */
  static String chart(List<TelemetryStore.Row> rows, String label, ToDoubleFunction<TelemetryStore.Row> value,
      double yMin, double yMax) {
    long xMax = Math.max(1, rows.stream().mapToLong(TelemetryStore.Row::samplesSeen).max().orElse(1));
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">",
        WIDTH, HEIGHT, WIDTH, HEIGHT));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"12\">%s</text>", PAD, escape(label)));
    int plotW = WIDTH - 2 * PAD;
    int plotH = HEIGHT - 2 * PAD;
    svg.append(String.format(Locale.ROOT,
        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>", PAD, PAD, plotW, plotH));
    svg.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%s</text>"
            + "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%s</text>"
            + "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%d samples</text>",
        PAD - 4, PAD + 4, trim(yMax), PAD - 4, PAD + plotH, trim(yMin), PAD + plotW, HEIGHT - PAD + 14, xMax));
    Map<Integer, List<TelemetryStore.Row>> byLayer = new TreeMap<>();
    for (TelemetryStore.Row row : rows) {
      byLayer.computeIfAbsent(row.layer(), k -> new ArrayList<>()).add(row);
    }
    for (Map.Entry<Integer, List<TelemetryStore.Row>> layer : byLayer.entrySet()) {
      List<TelemetryStore.Row> points = new ArrayList<>(layer.getValue());
      points.sort((a, b) -> Long.compare(a.samplesSeen(), b.samplesSeen()));
      String colour = COLOURS[layer.getKey() % COLOURS.length];
      StringBuilder path = new StringBuilder();
      for (TelemetryStore.Row row : points) {
        double x = PAD + plotW * (double) row.samplesSeen() / xMax;
        double v = Math.max(yMin, Math.min(yMax, value.applyAsDouble(row)));
        double y = PAD + plotH * (yMax - v) / (yMax - yMin);
        path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
      }
      svg.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(colour)
          .append("\" stroke-width=\"1.5\"/>");
      svg.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"%s\">layer %d</text>",
          PAD + 8 + 60 * layer.getKey(), HEIGHT - 8, colour, layer.getKey() + 1));
    }
    return svg.append("</svg>").toString();
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
