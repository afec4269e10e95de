package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;

/** Issue 9's attacks on the embedded HiveMQ broker as spela broker runs it by default. */
class EmbeddedBrokerAttackTest extends AttackScenarios {

  @Override
  TestBroker startBroker(FleetSecurity fleet, Path dir) throws Exception {
    return TestBroker.secureEmbedded(fleet);
  }
}
