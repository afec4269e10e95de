package dev.spela.cli;

import dev.spela.fleet.security.FleetSecurity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --fleet DIR}: the fleet folder with its CA, broker certificate and accounts. */
public final class FleetFolderOption {

  @Option(
      names = "--fleet",
      paramLabel = "DIR",
      description = "Fleet folder: CA, broker certificate, accounts; created on first use"
          + " (default: $SPELA_FLEET, else ~/.spela/fleet).")
  Path folder;

  public Path folder() {
    return folder != null ? folder : FleetSecurity.defaultFolder();
  }

  /** Opens (or creates) the fleet folder; the broker certificate also names {@code brokerNames}. */
  FleetSecurity open(List<String> brokerNames) {
    try {
      return FleetSecurity.open(folder(), brokerNames);
    } catch (IOException e) {
      throw CliException.failure("cannot open the fleet folder " + folder() + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
  }
}
