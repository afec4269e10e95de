package dev.spela.tests.fleet;

import java.nio.file.Path;

/** Host sessions that cannot go stale, on a real Mosquitto 2 broker. */
class MosquittoHostSessionTest extends HostSessionScenarios {
  @Override
  TestBroker broker(Path dir) throws Exception {
    return TestBroker.mosquitto(dir);
  }
}
