package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host sessions that cannot go stale, on the embedded HiveMQ CE broker. */
class EmbeddedBrokerHostSessionTest extends HostSessionScenarios {
  @Override
  TestBroker broker(FleetSecurity fleet, Path dir) throws Exception {
    return TestBroker.secureEmbedded(fleet);
  }

  @Override
  @Test
  @Disabled("known issue: once in a few runs on a loaded machine, telemetry to a monitor with a persistent"
      + " session stops after the second restart of the embedded broker with its file persistence"
      + " (not yet understood); Mosquitto passes, and the flow through embedded restarts is tested above")
  void recordsTakenWhileTheBrokerRestartsAreAllStored(@TempDir Path dir) {}
}
