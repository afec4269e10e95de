package dev.spela.cli;

import dev.spela.fleet.security.FleetSecurity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --fleet DIR} and {@code --broker-name NAME}: the fleet folder with its CA, broker
 * certificate and accounts, and the names the broker's certificate must carry.
 */
public final class FleetFolderOption {

  @Option(
      names = "--fleet",
      paramLabel = "DIR",
      description =
          "Fleet folder: CA, broker certificate, accounts; created on first use"
              + " (default: $SPELA_FLEET, else ~/.spela/fleet).")
  Path folder;

  @Option(
      names = "--broker-name",
      paramLabel = "NAME",
      description =
          "A host name or address devices reach the broker by, added to its certificate"
              + " (repeatable).")
  List<String> brokerNames = new ArrayList<>();

  public Path folder() {
    return folder != null ? folder : FleetSecurity.defaultFolder();
  }

  /**
   * Opens (or creates) the fleet folder; the broker certificate also names the --broker-name names.
   */
  FleetSecurity open() {
    try {
      return FleetSecurity.open(folder(), brokerNames);
    } catch (IOException e) {
      throw CliException.failure(
          "cannot open the fleet folder " + folder() + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
  }
}
