package dev.spela.tests.fleet;

import java.nio.file.Path;

/** The monitor crash on the embedded HiveMQ CE broker that spela broker runs. */
class EmbeddedBrokerMonitorCrashTest extends MonitorCrashScenarios {
  @Override
  TestBroker broker(Path dir) throws Exception {
    return TestBroker.embedded();
  }
}
