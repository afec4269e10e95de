package dev.spela.cli;

import dev.spela.fleet.EmbeddedBroker;
import dev.spela.fleet.security.FleetSecurity;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela broker}: an MQTT broker for the fleet commands, until Ctrl-C. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = {
      "Run an MQTT broker for the fleet until Ctrl-C.",
      "HiveMQ CE, embedded, MQTT 3.1.1 and 5. It serves TLS with the fleet's broker",
      "certificate and admits only the fleet's accounts, each device to its own topics",
      "(the fleet folder is created on first use). It keeps retained messages,",
      "sessions and their queued telemetry in the fleet folder's broker-data, so a",
      "restart loses nothing a monitor's session holds (--in-memory: forget them).",
      "With --insecure: plain TCP on 127.0.0.1, in memory, anyone on this machine",
      "may connect.",
      "The fleet commands work with any other MQTT broker too (see their --broker)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela broker                              TLS on 127.0.0.1:8883",
      "  spela broker --bind 0.0.0.0 --broker-name lab-pi.local",
      "  spela broker --insecure                   plain TCP on 127.0.0.1:1883"
    })
public final class BrokerCommand implements Runnable {

  @Spec CommandSpec spec;

  @Mixin FleetFolderOption fleetFolder;

  @ArgGroup(exclusive = true)
  SecurityMode mode = new SecurityMode();

  @Option(names = "--port", paramLabel = "PORT",
      description = "Port (default: 8883, with --insecure 1883; 0 picks a free port).")
  Integer port;

  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address to listen on, with TLS (default: ${DEFAULT-VALUE}; 0.0.0.0: every interface).")
  String bind;

  @Option(names = "--in-memory",
      description = "Keep sessions and queued messages in memory only: a restart forgets them.")
  boolean inMemory;

  @Override
  public void run() {
    boolean secure = !mode.insecure;
    int chosen = port != null ? port : secure ? 8883 : 1883;
    if (chosen < 0 || chosen > 65535) {
      throw CliException.usage("--port must be 0..65535, got " + chosen);
    }
    if (!secure && (!bind.equals("127.0.0.1") || !fleetFolder.brokerNames.isEmpty())) {
      throw CliException.usage("--bind and --broker-name need TLS: a plain broker listens on 127.0.0.1 only");
    }
    PrintWriter out = spec.commandLine().getOut();
    EmbeddedBroker broker;
    try {
      if (secure) {
        FleetSecurity fleet = fleetFolder.open();
        Path data = inMemory ? null : fleet.folder().resolve("broker-data");
        broker = chosen == 0 && bind.equals("127.0.0.1")
            ? EmbeddedBroker.startSecure(fleet, data) : EmbeddedBroker.startSecure(chosen, bind, fleet, data);
        out.println("fleet folder " + fleet.folder() + " (devices trust " + fleet.authority().caCertificateFile() + ")");
      } else {
        BrokerOptions.warnInsecure(spec.commandLine().getErr(), "127.0.0.1:" + chosen);
        broker = chosen == 0 ? EmbeddedBroker.start() : EmbeddedBroker.start(chosen);
      }
    } catch (IOException e) {
      throw CliException.failure(e.getMessage(), e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                },
                "broker-shutdown"));
    out.println("MQTT broker listening on " + broker.url() + " (Ctrl-C to stop)");
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      broker.close();
    }
  }
}
