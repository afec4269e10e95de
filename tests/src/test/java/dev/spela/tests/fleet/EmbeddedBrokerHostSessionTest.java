package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;

/** Host sessions that cannot go stale, on the embedded HiveMQ CE broker. */
class EmbeddedBrokerHostSessionTest extends HostSessionScenarios {
  @Override
  TestBroker broker(FleetSecurity fleet, Path dir) throws Exception {
    return TestBroker.secureEmbedded(fleet);
  }
}
