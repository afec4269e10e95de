package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;

/** The fleet scenarios on the embedded HiveMQ CE broker as spela broker and spela demo run it. */
class EmbeddedBrokerFleetTest extends FleetScenarios {

  @Override
  TestBroker startBroker(FleetSecurity fleet, Path dir) throws Exception {
    return TestBroker.secureEmbedded(fleet);
  }
}
