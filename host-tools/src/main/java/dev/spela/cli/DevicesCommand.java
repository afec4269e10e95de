package dev.spela.cli;

import dev.spela.fleet.DeviceView;
import dev.spela.fleet.FleetHost;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela devices}: the fleet as its BIRTH and DEATH messages describe it. */
@Command(
    name = "devices",
    mixinStandardHelpOptions = true,
    description = {
      "List the devices on the broker, from their BIRTH and DEATH messages.",
      "The host announces itself and every device answers with a BIRTH (board,",
      "image, model, training state, memory); dead devices show as offline."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela devices",
      "  spela devices --json --wait 10",
      "  spela devices --broker ssl://mqtt.example.com:8883"
    })
public final class DevicesCommand implements Runnable {

  @Spec CommandSpec spec;

  @Mixin BrokerOptions broker;

  @Option(names = "--json", description = "One JSON line per device.")
  boolean json;

  @Option(names = "--wait", defaultValue = "3", paramLabel = "S",
      description = "Listen at most S seconds for answers (default: ${DEFAULT-VALUE}).")
  int waitSeconds;

  @Override
  public void run() {
    List<DeviceView> devices;
    try (FleetHost host = broker.open(FleetHost.Options.secondary())) {
      host.awaitSettled(Duration.ofMillis(700), Duration.ofSeconds(Math.max(1, waitSeconds)));
      devices = host.devices();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failure("interrupted");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      devices.forEach(d -> out.println(Json.line(d)));
    } else if (devices.isEmpty()) {
      out.println("no devices answered on " + broker.url());
    } else {
      out.printf("%-16s %-10s %-8s %-9s %-12s %10s %9s %s%n",
          "DEVICE", "BOARD", "STATUS", "TRAINING", "MODEL", "SAMPLES", "RAM KB", "IMAGE");
      for (DeviceView d : devices) {
        out.printf("%-16s %-10s %-8s %-9s %-12s %10d %9d %s%n", d.id(), d.board(),
            d.online() ? "online" : "offline", d.trainingStateName(),
            d.layers() == 0 ? "-" : Plural.of(d.layers(), "layer"), d.samplesSeen(), d.ramUsed() / 1024,
            d.imageSha256().isEmpty() ? "-" : d.imageSha256().substring(0, 12));
      }
    }
    out.flush();
  }
}
