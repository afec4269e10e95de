package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.device.BoardLimits;
import dev.spela.boards.device.VirtualDevice;
import dev.spela.data.Dataset;
import dev.spela.fleet.Dashboard;
import dev.spela.fleet.FleetData;
import dev.spela.fleet.FleetDemo;
import dev.spela.fleet.FleetHost;
import dev.spela.fleet.FleetMonitor;
import dev.spela.fleet.LiveFleet;
import dev.spela.fleet.ModelCatalogue;
import dev.spela.fleet.TelemetryRecord;
import dev.spela.fleet.TelemetryStore;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.protocols.fleet.CommandMessage;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live dashboard in a real browser: virtual devices train while headless Chromium shows the
 * page; every device's accuracy and loss charts are drawn and grow, held-out evaluations appear,
 * and the page logs no console error. Also measures how long a record takes from its arrival at
 * the host to the page (printed, not asserted: speed is for benchmarks).
 */
class DashboardBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String[] DEVICES = {"web-1", "web-2"};
  private static final String[] BOARDS = {"nrf52840", "stm32f746"};
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the page shows of each device (data attributes the dashboard keeps up to date). */
  private static final String PAGE_STATE = """
      JSON.stringify(Array.from(document.querySelectorAll('section.device')).map(s => ({
        id: s.dataset.device,
        points: +(s.dataset.points || 0),
        heldOut: +(s.dataset.heldOut || 0),
        lastSamples: +(s.dataset.lastSamples || 0),
        updatedMs: +(s.dataset.updatedMs || 0),
        canvases: s.querySelectorAll('.chart canvas').length,
        titles: s.textContent.includes('Training accuracy (%) per window of 50 samples')
            && s.textContent.includes('Local loss −cos(h, v_label) per window of 50 samples'),
        tableRow: document.querySelector('#fleet tr[data-device="' + s.dataset.device + '"]') !== null
      })))""";

  private record Shown(String id, int points, int heldOut, long lastSamples, long updatedMs, int canvases,
      boolean titles, boolean tableRow) {}

  @Test
  void theLivePageDrawsEveryDevicesChartsAndTheyGrowWithoutConsoleErrors(@TempDir Path dir) throws Exception {
    Dataset mnist = Dataset.read("mnist", FleetScenarios.sharedMnist());
    Map<String, Long> arrivals = new ConcurrentHashMap<>(); // device/samplesSeen -> host arrival time
    FleetHost.Listener clock = new FleetHost.Listener() {
      @Override
      public void onTelemetry(TelemetryRecord record) {
        arrivals.putIfAbsent(record.device() + "/" + record.samplesSeen(), System.currentTimeMillis());
      }
    };
    Path run = Files.createDirectories(dir.resolve("run"));
    List<VirtualDevice> devices = new ArrayList<>();
    List<Long> latencies = new ArrayList<>();
    FleetSecurity security = FleetSecurity.open(dir.resolve("fleet"));
    try (TestBroker broker = TestBroker.secureMosquitto(security, dir);
        TelemetryStore store = TelemetryStore.open(TelemetryStore.sqliteUrl(run))) {
      LiveFleet fleet = new LiveFleet("browser test", store.url(), new ModelCatalogue(List.of()));
      try (FleetMonitor monitor = new FleetMonitor(store, fleet, false);
          Dashboard dashboard = Dashboard.start(fleet, new InetSocketAddress("127.0.0.1", 0));
          FleetHost host = FleetHost.open(broker.hostUrl(), "web-host", FleetHost.Options.primary(true, null),
              broker.hostLogin(), monitor, clock);
          Chromium chromium = Chromium.start(1400, 1100)) {
        for (int k = 0; k < DEVICES.length; k++) {
          BoardLimits limits = new BoardLimits(BoardCatalogue.standard().byId(BOARDS[k]));
          byte[] image = FleetDemo.untrainedImage(new int[] {784, 32, 16}, 10, 0.01, k + 1);
          VirtualDevice.program(dir, DEVICES[k], limits, image);
          fleet.models().add(image);
          devices.add(VirtualDevice.start(new VirtualDevice.Config(DEVICES[k], "web", "web-host", broker.url(), dir,
              limits, FleetData.shard(mnist, k, 16, 3_000, 200), 50, 8, 0)
              .secured(broker.enrol(DEVICES[k], "web", dir.resolve(DEVICES[k])))));
        }
        for (String id : DEVICES) {
          assertTrue(host.awaitDevice(id, d -> d.layers() == 2, WAIT).isPresent(), id + " came online");
          assertTrue(host.command(id, CommandMessage.START, 0, WAIT).ok());
        }

        chromium.navigate(dashboard.url());
        List<Shown> first = await(chromium, shown -> shown.size() == DEVICES.length && shown.stream().allMatch(
            s -> s.points() >= 2 && s.canvases() >= 2 && s.titles() && s.tableRow()), latencies, arrivals);
        List<Shown> grown = await(chromium, shown -> shown.size() == DEVICES.length && shown.stream().allMatch(
            s -> s.points() >= pointsOf(first, s.id()) + 5), latencies, arrivals);
        for (String id : DEVICES) {
          assertTrue(host.command(id, CommandMessage.EVALUATE, 100, WAIT).ok(), "evaluate " + id);
        }
        await(chromium, shown -> shown.stream().allMatch(s -> s.heldOut() >= 1), latencies, arrivals);
        assertEquals(List.of(), chromium.errors(), "console errors");
        Files.write(Path.of("target", "dashboard.png"), chromium.screenshot());
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("dashboard: %d devices, %s points on the page; record arrival at the host to the page:"
            + " median %d ms, max %d ms over %d observations%n", grown.size(),
            grown.stream().map(s -> Integer.toString(s.points())).toList(),
            sorted.length == 0 ? -1 : sorted[sorted.length / 2], sorted.length == 0 ? -1 : sorted[sorted.length - 1],
            sorted.length);
      } finally {
        for (VirtualDevice device : devices) {
          device.close();
        }
      }
    }
  }

  private static int pointsOf(List<Shown> shown, String id) {
    return shown.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow().points();
  }

  /**
   * Reads the page until {@code condition} holds; notes for each device the time from its newest
   * point's arrival at the host to the page's update.
   */
  private static List<Shown> await(Chromium chromium, Predicate<List<Shown>> condition, List<Long> latencies,
      Map<String, Long> arrivals) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<Shown> shown = List.of();
    while (System.nanoTime() < deadline) {
      JsonNode state = chromium.evaluate(PAGE_STATE);
      shown = List.of(JSON.readValue(state.asText(), Shown[].class));
      for (Shown s : shown) {
        Long arrived = arrivals.get(s.id() + "/" + s.lastSamples());
        if (arrived != null && s.updatedMs() > 0) {
          latencies.add(s.updatedMs() - arrived);
        }
      }
      if (condition.test(shown)) {
        return shown;
      }
      TimeUnit.MILLISECONDS.sleep(200); // polling the page for a condition, with a deadline
    }
    throw new AssertionError("the page did not get there in " + WAIT.toSeconds() + " s; it shows " + shown
        + "; console errors: " + chromium.errors());
  }
}
