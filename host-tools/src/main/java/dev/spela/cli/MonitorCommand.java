package dev.spela.cli;

import dev.spela.fleet.FleetHost;
import dev.spela.fleet.FleetMonitor;
import dev.spela.fleet.FleetReport;
import dev.spela.fleet.TelemetryStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
      "Watch the fleet live and record its telemetry and learning curves.",
      "One progress line per device. Every telemetry record is stored once under",
      "the run folder (telemetry/DEVICE.csv), however often it arrives; on exit",
      "(Ctrl-C or --duration) the run's HTML report is written."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela monitor",
      "  spela monitor --run runs/lab --duration 600",
      "  spela monitor --run runs/lab --shared collectors   (one of several collectors)"
    })
public final class MonitorCommand implements Runnable {

  @Spec CommandSpec spec;

  @Mixin BrokerOptions broker;

  @Option(names = "--run", paramLabel = "DIR",
      description = "Run folder (default: runs/monitor-DATE-TIME); several monitors may share one.")
  Path run;

  @Option(names = "--shared", paramLabel = "GROUP",
      description = "Receive telemetry through the MQTT 5 shared subscription $share/GROUP/..., so that"
          + " several collectors share the load.")
  String shared;

  @Option(names = "--duration", defaultValue = "0", paramLabel = "S",
      description = "Stop after S seconds (default: 0, at Ctrl-C).")
  int durationSeconds;

  @Override
  public void run() {
    Path runDir = run != null ? run
        : Path.of("runs", "monitor-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    TelemetryStore store;
    try {
      store = new TelemetryStore(runDir);
    } catch (IOException e) {
      throw CliException.failure("cannot create run folder " + runDir + ": " + e.getMessage(), e);
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.countDown();
      try {
        done.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "monitor-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    PrintWriter out = spec.commandLine().getOut();
    try (FleetMonitor monitor = new FleetMonitor(store, System.console() != null ? System.err : null);
        FleetHost host = broker.open(FleetHost.Options.primary(true, shared), monitor)) {
      out.println("monitoring " + broker.url() + " as host " + broker.hostId() + ", recording to " + runDir);
      out.flush();
      if (durationSeconds > 0) {
        stop.await(durationSeconds, TimeUnit.SECONDS);
      } else {
        stop.await();
      }
      out.printf("%s seen, %s missed (sequence gaps), %d dropped%n", Plural.of(host.devices().size(), "device"),
          Plural.of(host.gaps(), "message"), host.droppedTotal());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        Path report = FleetReport.write(runDir, "SPELA fleet run " + runDir.getFileName(), List.of());
        out.printf("%s stored, %s ignored; report: %s%n", Plural.of(store.stored(), "record"),
            Plural.of(store.duplicates(), "duplicate"), report);
        out.flush();
      } catch (IOException e) {
        out.println("spela: cannot write the report: " + e.getMessage());
      }
      done.countDown();
      if (durationSeconds > 0) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // shutting down already
        }
      }
    }
  }
}
