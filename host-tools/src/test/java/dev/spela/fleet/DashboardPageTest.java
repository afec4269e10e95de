package dev.spela.fleet;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardPageTest {

  /** An attribute that would load something: src= or href= to anything but a data: URL or a local asset. */
  private static final Pattern REMOTE = Pattern.compile("(src|href)=\"(?!data:|assets/)[^\"]*\"");

  @Test
  void theLivePageLinksItsOwnAssetsAndEveryAssetIsOnTheClassPath() {
    String page = DashboardPage.live();
    assertTrue(page.contains("src=\"assets/uPlot.iife.min.js\"") && page.contains("src=\"assets/dashboard.js\""));
    assertFalse(REMOTE.matcher(page).find(), "nothing from the network");
    for (String asset : DashboardPage.ASSETS.keySet()) {
      assertTrue(DashboardPage.asset(asset).length > 100, asset);
    }
  }

  @Test
  void theReportIsOneFileWithItsScriptsAndDataInline(@TempDir Path run) throws IOException {
    try (TelemetryStore store = TelemetryStore.open(TelemetryStore.sqliteUrl(run));
        TelemetryReader reader = store.reader()) {
      for (long r = 0; r < 5; r++) {
        store.store(TelemetryStoreTest.record("vd-1", 1, r));
      }
      store.store(TelemetryStoreTest.record("vd-1", 1, 8)); // 5, 6 and 7 missing
      LiveFleet fleet = new LiveFleet("run </script> <b>1</b>", store.url(), new ModelCatalogue(List.of()));
      String html = Files.readString(FleetReport.write(run.resolve("report.html"), fleet, reader));
      assertFalse(REMOTE.matcher(html).find(), "nothing from the network");
      assertFalse(html.contains("assets/"), "no linked asset");
      assertTrue(html.contains("uPlot"), "the charting library inline");
      assertTrue(html.contains("<script id=\"spela-data\" type=\"application/json\">"));
      assertTrue(html.contains("run <\\/script> <b>1</b>") && !html.contains("run </script>"),
          "a title cannot end the data's script element");
      assertTrue(html.contains("\"lost\":3"), "the records missing from the database");
      assertTrue(html.contains("\"samples\":[100,200,300,400,500,900]"), "the curve from the database");
      assertFalse(Files.exists(run.resolve("report.html.tmp")));
    }
  }
}
