package dev.spela.cli;

import dev.spela.fleet.DeviceView;
import dev.spela.fleet.FleetHost;
import dev.spela.protocols.fleet.CommandMessage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spela fleet start|pause|resume|stop|eval|checkpoint|reboot}: one command to some or all
 * devices; {@code spela fleet simulate}: many virtual devices in one process.
 */
@Command(
    name = "fleet",
    mixinStandardHelpOptions = true,
    subcommands = {FleetSimulateCommand.class, FleetRevokeCommand.class},
    description = {
      "Start, pause, resume, stop, evaluate, checkpoint or reboot devices.",
      "Each device answers with an ACK; eval prints the held-out accuracy of",
      "every layer, checkpoint writes the model being trained to the device's",
      "flash, and reboot restarts the device (it comes back with a new BIRTH)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela fleet start --all",
      "  spela fleet eval --device vd-1 --samples 500",
      "  spela fleet checkpoint --all",
      "  spela fleet reboot --device vd-1 --device vd-2",
      "  spela fleet simulate --devices 64   (64 virtual devices in one process)",
      "  spela fleet revoke vd-3   (its accounts and key leave the fleet)"
    })
public final class FleetCommand implements Runnable {

  /** The actions and their protocol command codes. */
  enum Action {
    START(CommandMessage.START),
    PAUSE(CommandMessage.PAUSE),
    RESUME(CommandMessage.RESUME),
    STOP(CommandMessage.STOP),
    EVAL(CommandMessage.EVALUATE),
    CHECKPOINT(CommandMessage.CHECKPOINT),
    REBOOT(CommandMessage.REBOOT);

    final int code;

    Action(int code) {
      this.code = code;
    }
  }

  static final class Target {
    @Option(names = "--device", paramLabel = "ID", description = "A device (repeatable).")
    List<String> devices;

    @Option(names = "--all", description = "Every online device.")
    boolean all;
  }

  @Spec CommandSpec spec;

  @Mixin BrokerOptions broker;

  // Required, but checked in run(): picocli would ask for them before `fleet simulate` too.
  @Parameters(index = "0", arity = "0..1", paramLabel = "ACTION",
      description = "start, pause, resume, stop, eval, checkpoint or reboot.")
  Action action;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Target target;

  @Option(names = "--samples", defaultValue = "0", paramLabel = "N",
      description = "eval: at most N held-out samples (default: 0, all).")
  int samples;

  @Option(names = "--timeout", defaultValue = "20", paramLabel = "S",
      description = "Seconds to wait for each device (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public void run() {
    if (action == null) {
      throw new ParameterException(spec.commandLine(), "Missing required parameter: 'ACTION' (or: fleet simulate)");
    }
    if (target == null) {
      throw new ParameterException(spec.commandLine(), "Missing required argument: --device=ID | --all");
    }
    PrintWriter out = spec.commandLine().getOut();
    int failures = 0;
    try (FleetHost host = broker.open(FleetHost.Options.secondary())) {
      Duration timeout = Duration.ofSeconds(timeoutSeconds);
      List<String> ids = new ArrayList<>();
      if (target.all) {
        host.awaitSettled(Duration.ofMillis(700), Duration.ofSeconds(3));
        host.devices().stream().filter(DeviceView::online).forEach(d -> ids.add(d.id()));
        if (ids.isEmpty()) {
          throw CliException.failure("no device answered on " + broker.url());
        }
      } else {
        for (String id : target.devices) {
          if (host.awaitDevice(id, d -> true, timeout).isEmpty()) {
            throw CliException.failure("device " + id + " did not answer on " + broker.url());
          }
          ids.add(id);
        }
      }
      for (String id : ids) {
        try {
          FleetHost.Ack ack = host.command(id, action.code, action == Action.EVAL ? samples : 0, timeout);
          out.println(describe(ack));
          failures += ack.ok() ? 0 : 1;
        } catch (IOException e) {
          out.println(id + ": " + e.getMessage());
          failures++;
        }
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failure("interrupted");
    }
    if (failures > 0) {
      throw CliException.failure(
          Plural.of(failures, "device") + " did not carry out " + action.name().toLowerCase(Locale.ROOT));
    }
  }

  static String describe(FleetHost.Ack ack) {
    if (!ack.ok() || ack.accuracyQ15().length == 0) {
      return ack.device() + ": " + ack.statusName();
    }
    StringBuilder line = new StringBuilder(ack.device()).append(": accuracy");
    for (int k = 0; k < ack.accuracyQ15().length; k++) {
      line.append(String.format(Locale.ROOT, " L%d %.1f%%", k + 1, ack.accuracyQ15()[k] * 100.0 / 32768));
    }
    return line.append(" (").append(Plural.of(ack.evaluatedSamples(), "held-out sample")).append(")").toString();
  }
}
