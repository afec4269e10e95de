package dev.spela.cli;

import dev.spela.fleet.security.FleetSecurity;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spela fleet revoke DEVICE}: a device's accounts and key leave the fleet. */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    description = {
      "Revoke a device: remove its broker account (and its claim account, so it",
      "cannot claim a new identity) and forget its device key, so host tools drop",
      "its messages. The embedded broker refuses its next login at once; for",
      "Mosquitto, run spela mosquitto-config again and send Mosquitto SIGHUP."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela fleet revoke dev-9f2kq4m7x1c8b3zt5wvd",
      "  spela fleet revoke vd-3 --fleet my-fleet"
    })
public final class FleetRevokeCommand implements Runnable {

  @Spec CommandSpec spec;

  @Mixin FleetFolderOption fleetFolder;

  @Parameters(index = "0", paramLabel = "DEVICE", description = "The device id to revoke.")
  String deviceId;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    if (!Files.isDirectory(fleetFolder.folder())) {
      throw CliException.failure("no fleet folder at " + fleetFolder.folder());
    }
    FleetSecurity.Revoked revoked;
    try {
      revoked = fleetFolder.open().revoke(deviceId);
    } catch (IOException e) {
      throw CliException.failure("cannot revoke " + deviceId + ": " + e.getMessage(), e);
    }
    if (!revoked.any()) {
      throw CliException.failure("no device " + deviceId + " in the fleet folder " + fleetFolder.folder());
    }
    out.println("revoked " + deviceId + ": " + (revoked.account() ? "account removed" : "no account")
        + (revoked.claimAccount() ? ", claim account removed" : "")
        + (revoked.key() ? ", device key forgotten" : ""));
    out.println("Mosquitto: run spela mosquitto-config again, then send it SIGHUP");
  }
}
