package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;

/** A shared collector killed, on a real Mosquitto 2 broker. */
class MosquittoSharedCollectorTest extends SharedCollectorScenarios {
  @Override
  TestBroker broker(Path dir) throws Exception {
    return TestBroker.mosquitto(dir);
  }

  @Override
  TestBroker securedBroker(FleetSecurity fleet, Path dir) throws Exception {
    return TestBroker.secureMosquitto(fleet, dir);
  }
}
