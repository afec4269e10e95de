package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;

/** Host sessions that cannot go stale, on a real Mosquitto 2 broker. */
class MosquittoHostSessionTest extends HostSessionScenarios {
  @Override
  TestBroker broker(FleetSecurity fleet, Path dir) throws Exception {
    return TestBroker.secureMosquitto(fleet, dir);
  }
}
