package dev.spela.cli;

import dev.spela.fleet.Dashboard;
import dev.spela.fleet.FleetHost;
import dev.spela.fleet.FleetMonitor;
import dev.spela.fleet.FleetReport;
import dev.spela.fleet.FleetSnapshot;
import dev.spela.fleet.HostConnection;
import dev.spela.fleet.LiveFleet;
import dev.spela.fleet.ModelCatalogue;
import dev.spela.fleet.RunFolder;
import dev.spela.fleet.TelemetryReader;
import dev.spela.fleet.TelemetryStore;
import dev.spela.fleet.TerminalView;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela monitor}: watch the fleet live and record its telemetry. */
@Command(
    name = "monitor",
    mixinStandardHelpOptions = true,
    description = {
      "Watch the fleet live and store its telemetry in a database.",
      "One progress line per device; with --http, a live dashboard in the browser.",
      "Every telemetry record is stored once, however often it arrives, in the run",
      "folder's SQLite database (telemetry.db) or in PostgreSQL (--store), and",
      "acknowledged to the broker only once committed: the MQTT session outlives",
      "the monitor (--session-expiry), so a monitor restarted with the same client",
      "id stores what arrived meanwhile. On exit (Ctrl-C or --duration) the run's",
      "report is written: the dashboard with its data, in one HTML file."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela monitor --http 8080",
      "  spela monitor --run runs/lab --duration 600",
      "  spela monitor --store jdbc:postgresql://db/spela?user=spela \\",
      "      --shared collectors --client-id c1   (one of several collectors)"
    })
public final class MonitorCommand implements Runnable {

  /** The longest session expiry MQTT 5 can express (u32 seconds; 0xFFFFFFFF never expires). */
  private static final long MAX_SESSION_EXPIRY = 0xFFFFFFFFL;

  @Spec CommandSpec spec;

  @Mixin BrokerOptions broker;

  @Option(names = "--run", paramLabel = "DIR",
      description = "Run folder for the report and the default database (default: runs/monitor-DATE-TIME).")
  Path run;

  @Option(names = "--store", paramLabel = "JDBC_URL",
      // Short lines: picocli would wrap a URL at any '.', ':' or '/'.
      description = {
        "Telemetry database: jdbc:sqlite:FILE or",
        "jdbc:postgresql://HOST/DB?user=U&password=P",
        "(default: jdbc:sqlite:DIR/telemetry.db).",
        "Collectors may share one PostgreSQL database."
      })
  String store;

  @Option(names = "--shared", paramLabel = "GROUP",
      description = "Receive telemetry through the MQTT 5 shared subscription $share/GROUP/..., so that"
          + " several collectors share the load; when one leaves, another stores what the broker kept in"
          + " its session.")
  String shared;

  @Option(names = "--client-id", paramLabel = "ID",
      description = "MQTT client id, which names the session the broker keeps (default: HOST-ID-monitor;"
          + " with --shared, HOST-ID-GROUP-HOSTNAME). Give each running collector its own.")
  String clientId;

  @Option(names = "--session-expiry", defaultValue = "86400", paramLabel = "S",
      description = "Seconds the broker keeps this monitor's session, queueing its messages, after a"
          + " disconnection (default: ${DEFAULT-VALUE}; 0: a clean session, nothing kept).")
  long sessionExpiry;

  @Option(names = "--no-receipts",
      description = "Send devices no receipts for the records stored: they then release a record once the"
          + " broker has it, not once it is stored (for devices built before receipts; a slow or paused"
          + " monitor no longer slows the devices down).")
  boolean noReceipts;

  @Option(names = "--http", paramLabel = "ADDRESS", converter = HttpAddressConverter.class,
      description = "Serve the live dashboard at ADDRESS, [HOST:]PORT (a port alone: on 127.0.0.1 only; port 0: any free port).")
  InetSocketAddress http;

  @Option(names = "--images", paramLabel = "DIR",
      description = "Folders of model images (*.img), to show each device's model and its time per step on"
          + " its board (default: DIR/images). Repeatable.")
  List<Path> images;

  @Option(names = "--duration", defaultValue = "0", paramLabel = "S",
      description = "Stop after S seconds (default: 0, at Ctrl-C).")
  int durationSeconds;

  @Override
  public void run() {
    if (durationSeconds < 0) {
      throw CliException.usage("--duration must be 0 or more seconds, got " + durationSeconds);
    }
    if (sessionExpiry < 0 || sessionExpiry > MAX_SESSION_EXPIRY) {
      throw CliException.usage("--session-expiry must be 0 .. " + MAX_SESSION_EXPIRY + " seconds");
    }
    Path runDir = run != null ? run
        : Path.of("runs", "monitor-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    String storeUrl = store != null ? store : TelemetryStore.sqliteUrl(runDir);
    RunFolder folder = RunFolder.at(runDir);
    PrintWriter out = spec.commandLine().getOut();
    try (TelemetryStore telemetry = openStore(runDir, storeUrl, folder)) {
      List<Path> imageFolders = new ArrayList<>(images != null ? images : List.of());
      imageFolders.add(runDir.resolve("images"));
      LiveFleet fleet = new LiveFleet("SPELA fleet run " + runDir.getFileName(), TelemetryStore.describe(storeUrl),
          new ModelCatalogue(imageFolders));
      watch(out, runDir, telemetry, fleet, folder);
    }
  }

  private static TelemetryStore openStore(Path runDir, String storeUrl, RunFolder folder) {
    try {
      Files.createDirectories(runDir);
      return TelemetryStore.open(storeUrl);
    } catch (IllegalArgumentException e) {
      folder.discard();
      throw CliException.usage(e.getMessage());
    } catch (IOException e) {
      folder.discard();
      throw CliException.failure(e.getMessage(), e);
    }
  }

  private void watch(PrintWriter out, Path runDir, TelemetryStore telemetry, LiveFleet fleet, RunFolder folder) {
    String id = clientId != null ? clientId : defaultClientId();
    HostConnection.Session session =
        HostConnection.Session.persistent(id, sessionExpiry, FleetMonitor.RECEIVE_MAXIMUM);
    FleetMonitor monitor;
    FleetHost host;
    try {
      monitor = new FleetMonitor(telemetry, fleet, shared != null, !noReceipts);
    } catch (IOException e) {
      folder.discard();
      throw CliException.failure(e.getMessage(), e);
    }
    try {
      host = broker.open(FleetHost.Options.primary(true, shared).withSession(session), monitor);
    } catch (RuntimeException e) {
      monitor.close();
      folder.discard();
      throw e;
    }
    CtrlC ctrlC = new CtrlC("monitor-shutdown", 30);
    TerminalView view = TerminalView.start(fleet, System.console() != null ? System.err : null);
    Dashboard dashboard = null;
    try {
      out.printf("monitoring %s as host %s (MQTT client %s, %s), storing into %s%n", broker.url(), broker.hostId(), id,
          sessionExpiry > 0 ? "session kept " + sessionExpiry + " s" : "clean session",
          TelemetryStore.describe(telemetry.url()));
      if (http != null) {
        dashboard = Dashboard.start(fleet, http);
        out.println("dashboard: " + dashboard.url());
      }
      out.flush();
      if (durationSeconds > 0) {
        ctrlC.await(durationSeconds, TimeUnit.SECONDS);
      } else {
        ctrlC.await();
      }
    } catch (IOException e) {
      throw CliException.failure(e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      finish(out, runDir, telemetry, fleet, monitor, host, view, dashboard, shared != null);
      ctrlC.close();
    }
  }

  /**
   * Stores and acknowledges what arrived, leaves the broker, stops the live views, then writes the
   * report and the summary (after the terminal view's last frame, so nothing draws over it).
   */
  private static void finish(PrintWriter out, Path runDir, TelemetryStore telemetry, LiveFleet fleet,
      FleetMonitor monitor, FleetHost host, TerminalView view, Dashboard dashboard, boolean shared) {
    try {
      monitor.flush(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int gaps = host.gaps();
    int dropped = host.droppedTotal();
    host.close();
    monitor.close();
    view.close();
    if (dashboard != null) {
      dashboard.close();
    }
    FleetSnapshot.Totals totals = fleet.totals();
    try (TelemetryReader reader = telemetry.reader()) {
      // A shared collector sees only its part of the messages: the database the group writes into
      // tells what is lost, and sequence gaps mean nothing.
      String lost = Plural.of(shared ? lostInStore(reader, fleet) : totals.lost(), "record")
          + (shared ? " lost (missing record numbers in the shared store)" : " lost (missing record numbers)");
      String missed = shared ? "sequence gaps not counted (--shared)" : Plural.of(gaps, "message") + " missed (sequence gaps)";
      out.printf("%s seen; %s stored, %s ignored; %s; %s, %d dropped%n", Plural.of(totals.devices(), "device"),
          Plural.of(totals.records(), "record"), Plural.of(totals.duplicates(), "duplicate"), lost, missed, dropped);
      out.println("report: " + FleetReport.write(runDir.resolve("report.html"), fleet, reader));
    } catch (IOException e) {
      out.println("spela: cannot write the report: " + e.getMessage());
    }
    out.flush();
  }

  /** Records missing from the store for the devices this collector saw, whoever collected the rest. */
  private static long lostInStore(TelemetryReader reader, LiveFleet fleet) throws IOException {
    Set<String> seen = fleet.rows().stream().map(FleetSnapshot.DeviceRow::id).collect(Collectors.toSet());
    return reader.sessions().stream().filter(s -> seen.contains(s.device()))
        .mapToLong(TelemetryReader.SessionCount::missing).sum();
  }

  private String defaultClientId() {
    if (shared == null) {
      return broker.hostId() + "-monitor";
    }
    String machine;
    try {
      machine = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "");
    } catch (IOException e) {
      machine = "local";
    }
    return broker.hostId() + "-" + shared + "-" + machine;
  }
}
