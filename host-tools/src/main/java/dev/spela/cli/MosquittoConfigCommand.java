package dev.spela.cli;

import dev.spela.fleet.security.FleetSecurity;
import dev.spela.fleet.security.MosquittoConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spela mosquitto-config}: a Mosquitto configuration enforcing the fleet's accounts and
 * policy.
 */
@Command(
    name = "mosquitto-config",
    mixinStandardHelpOptions = true,
    description = {
      "Write a Mosquitto 2 configuration that enforces the fleet's accounts and policy.",
      "Two TLS listeners with the fleet's broker certificate: one for devices and",
      "claims (password file, per-device pattern ACL, client id = username), one for",
      "host tools; packet size capped, queues bounded. Run it again after",
      "provisioning or revoking devices, then send Mosquitto SIGHUP to reload."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela mosquitto-config --out /etc/mosquitto/spela --broker-name lab.example",
      "  spela mosquitto-config --out conf --fleet my-fleet --device-port 18883"
    })
public final class MosquittoConfigCommand implements Runnable {

  @Spec CommandSpec spec;

  @Mixin FleetFolderOption fleetFolder;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Folder to write the configuration into.")
  Path out;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      defaultValue = "0.0.0.0",
      description = "Address both listeners bind to (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--device-port",
      paramLabel = "PORT",
      defaultValue = "8883",
      description = "TLS port for devices and claims (default: ${DEFAULT-VALUE}).")
  int devicePort;

  @Option(
      names = "--host-port",
      paramLabel = "PORT",
      defaultValue = "8884",
      description = "TLS port for host tools (default: ${DEFAULT-VALUE}).")
  int hostPort;

  @Option(
      names = "--user",
      paramLabel = "NAME",
      description =
          "Account Mosquitto runs as when started as root (it must be able to read the key).")
  String user;

  @Override
  public void run() {
    for (int p : new int[] {devicePort, hostPort}) {
      if (p < 1 || p > 65535) {
        throw CliException.usage("ports must be 1..65535, got " + p);
      }
    }
    if (devicePort == hostPort) {
      throw CliException.usage("--device-port and --host-port must differ");
    }
    FleetSecurity fleet = fleetFolder.open();
    Path config;
    try {
      config =
          MosquittoConfig.write(
              fleet, out, new MosquittoConfig.Listeners(bind, devicePort, hostPort, user));
    } catch (IOException e) {
      throw CliException.failure("cannot write the Mosquitto configuration: " + e.getMessage(), e);
    }
    PrintWriter o = spec.commandLine().getOut();
    o.println(
        "wrote "
            + config
            + " (devices on port "
            + devicePort
            + ", hosts on port "
            + hostPort
            + ")");
    o.println("run: mosquitto -c " + config);
    o.flush();
  }
}
