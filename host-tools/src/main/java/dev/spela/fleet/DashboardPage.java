package dev.spela.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

/**
 * The dashboard page: one HTML template, its script and style, and the uPlot charting library
 * from its WebJar (Maven Central, on the class path). The live page links them from the monitor's
 * own server; the report inlines them with the data, so it is one file that works offline.
 */
final class DashboardPage {

  private static final String OWN = "dev/spela/fleet/dashboard/";
  private static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The assets the live page links, by their path under {@code /assets/}, with content types. */
  static final Map<String, String> ASSETS = Map.of(
      "dashboard.js", "text/javascript; charset=utf-8",
      "dashboard.css", "text/css; charset=utf-8",
      "uPlot.iife.min.js", "text/javascript; charset=utf-8",
      "uPlot.min.css", "text/css; charset=utf-8");

  private DashboardPage() {}

  /** The live page: assets linked, data from {@code events}. */
  static String live() {
    return template()
        .replace("<!--STYLES-->", "<link rel=\"stylesheet\" href=\"assets/uPlot.min.css\">\n"
            + "<link rel=\"stylesheet\" href=\"assets/dashboard.css\">")
        .replace("<!--DATA-->", "")
        .replace("<!--SCRIPTS-->", "<script src=\"assets/uPlot.iife.min.js\"></script>\n"
            + "<script src=\"assets/dashboard.js\"></script>");
  }

  /** The report: the same page with every asset and the data inline. */
  static String report(FleetSnapshot snapshot) {
    return template()
        .replace("<!--STYLES-->", "<style>\n" + text("uPlot.min.css") + "\n" + text("dashboard.css") + "\n</style>")
        .replace("<!--DATA-->", "<script id=\"spela-data\" type=\"application/json\">" + inline(json(snapshot))
            + "</script>")
        .replace("<!--SCRIPTS-->", "<script>\n" + inline(text("uPlot.iife.min.js")) + "\n</script>\n<script>\n"
            + inline(text("dashboard.js")) + "\n</script>");
  }

  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the dashboard's data is always serialisable", e);
    }
  }

  /**
   * Inside a script element "</script" would end it early. The data is JSON, where "<\/" means
   * "</"; the scripts never contain it outside a string.
   */
  private static String inline(String script) {
    return script.replaceAll("(?i)</script", "<\\\\/script");
  }

  /** An asset's bytes. */
  static byte[] asset(String name) {
    String resource = name.startsWith("uPlot") ? uplotFolder() + name : OWN + name;
    try (InputStream in = DashboardPage.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String text(String name) {
    return new String(asset(name), StandardCharsets.UTF_8);
  }

  private static String template() {
    return text("dashboard.html");
  }

  /** The WebJar's folder for the uPlot version on the class path. */
  private static String uplotFolder() {
    Properties pom = new Properties();
    try (InputStream in = DashboardPage.class.getClassLoader().getResourceAsStream(UPLOT_POM)) {
      if (in == null) {
        throw new IllegalStateException("the uPlot WebJar is missing from the class path");
      }
      pom.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "META-INF/resources/webjars/uplot/" + pom.getProperty("version") + "/dist/";
  }
}
