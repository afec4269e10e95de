package dev.spela.cli;

import dev.spela.fleet.FleetHost;
import java.io.IOException;
import picocli.CommandLine.Option;

/** {@code --broker URL --host-id ID}: where the fleet is and which host the devices wait for. */
public final class BrokerOptions {

  @Option(
      names = "--broker",
      paramLabel = "URL",
      defaultValue = FleetHost.DEFAULT_BROKER,
      description = "MQTT broker (any MQTT 5 broker; default: ${DEFAULT-VALUE}).")
  String url;

  @Option(
      names = "--host-id",
      paramLabel = "ID",
      defaultValue = FleetHost.DEFAULT_HOST_ID,
      description = "Host id whose STATE the devices wait for (default: ${DEFAULT-VALUE}).")
  String hostId;

  public String url() {
    return url;
  }

  public String hostId() {
    return hostId;
  }

  /** Connects as a host; a one-line failure if the broker cannot be reached. */
  FleetHost open(FleetHost.Options options, FleetHost.Listener... listeners) {
    try {
      return FleetHost.open(url, hostId, options, listeners);
    } catch (IOException e) {
      throw CliException.failure(e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
  }
}
