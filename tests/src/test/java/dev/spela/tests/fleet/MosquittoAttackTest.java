package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;

/** Issue 9's attacks on Mosquitto configured by spela mosquitto-config. */
class MosquittoAttackTest extends AttackScenarios {

  @Override
  TestBroker startBroker(FleetSecurity fleet, Path dir) throws Exception {
    return TestBroker.secureMosquitto(fleet, dir);
  }
}
