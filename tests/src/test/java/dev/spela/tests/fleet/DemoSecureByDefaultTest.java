package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.boards.device.DeviceCredentials;
import dev.spela.cli.SpelaCommand;
import dev.spela.fleet.security.FleetSecurity;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's {@code spela demo}, as a user types it (smaller): secured with no set-up: a fleet
 * folder of its own in the run folder, a TLS broker admitting only the fleet's accounts, each
 * device enrolled with credentials in its state, and no warning.
 */
class DemoSecureByDefaultTest {

  @Test
  void theDemoRunsSecuredWithNoSetUp(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = SpelaCommand.execute(out, err, "demo", "--devices", "2", "--boards", "nrf52840", "--max-train",
        "400", "--held-out", "100", "--record-every", "200", "--data-dir", FleetScenarios.sharedMnist().toString(),
        "--run", run.toString());
    assertEquals(SpelaCommand.EXIT_OK, exit, out + "\n" + err);
    assertFalse(err.toString().contains("warning"), err.toString());
    assertTrue(out.toString().contains("every record present exactly once"), out.toString());
    FleetSecurity fleet = FleetSecurity.open(run.resolve("fleet"));
    for (String id : new String[] {"vd-01", "vd-02"}) {
      DeviceCredentials credentials = DeviceCredentials.load(run.resolve("devices").resolve(id));
      assertEquals(id, credentials.deviceId());
      assertTrue(fleet.accounts().find(id).isPresent(), id + " has a broker account");
    }
  }
}
