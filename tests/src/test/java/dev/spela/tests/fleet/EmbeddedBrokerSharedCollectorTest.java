package dev.spela.tests.fleet;

import java.nio.file.Path;

/** A shared collector killed, on the embedded HiveMQ CE broker that spela broker runs. */
class EmbeddedBrokerSharedCollectorTest extends SharedCollectorScenarios {
  @Override
  TestBroker broker(Path dir) throws Exception {
    return TestBroker.embedded();
  }
}
