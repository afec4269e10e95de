package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;

/** A shared collector killed, on the embedded HiveMQ CE broker that spela broker runs. */
class EmbeddedBrokerSharedCollectorTest extends SharedCollectorScenarios {
  @Override
  TestBroker broker(Path dir) throws Exception {
    return TestBroker.embedded();
  }

  @Override
  TestBroker securedBroker(FleetSecurity fleet, Path dir) throws Exception {
    return TestBroker.secureEmbedded(fleet);
  }
}
