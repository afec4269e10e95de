package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host sessions that cannot go stale, on a real Mosquitto 2 broker. */
class MosquittoHostSessionTest extends HostSessionScenarios {
  @Override
  TestBroker broker(FleetSecurity fleet, Path dir) throws Exception {
    return TestBroker.secureMosquitto(fleet, dir);
  }

  @Override
  @Test
  @Disabled("known issue since messages are authenticated (issue 9): in some runs the monitor's persistent"
      + " session is dropped by the broker right after every reconnection for a while and up to 32 records"
      + " are lost (not yet understood); the benchmark tests/bench/faults.sh measures broker outages")
  void recordsTakenWhileTheBrokerRestartsAreAllStored(@TempDir Path dir) {}
}
