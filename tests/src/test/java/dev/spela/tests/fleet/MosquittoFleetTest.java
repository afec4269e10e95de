package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;

/** The fleet scenarios on a real Mosquitto 2 configured by spela mosquitto-config. */
class MosquittoFleetTest extends FleetScenarios {

  @Override
  TestBroker startBroker(FleetSecurity fleet, Path dir) throws Exception {
    return TestBroker.secureMosquitto(fleet, dir);
  }
}
