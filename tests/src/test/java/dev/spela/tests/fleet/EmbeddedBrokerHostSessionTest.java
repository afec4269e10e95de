package dev.spela.tests.fleet;

import java.nio.file.Path;

/** Host sessions that cannot go stale, on the embedded HiveMQ CE broker. */
class EmbeddedBrokerHostSessionTest extends HostSessionScenarios {
  @Override
  TestBroker broker(Path dir) throws Exception {
    return TestBroker.embedded();
  }
}
