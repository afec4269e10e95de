package dev.spela.tests.fleet;

import dev.spela.fleet.EmbeddedBroker;
import java.nio.file.Path;

/** The monitor crash on the embedded HiveMQ CE broker that spela broker runs. */
class EmbeddedBrokerMonitorCrashTest extends MonitorCrashScenarios {

  private EmbeddedBroker broker;

  @Override
  String startBroker(Path dir) throws Exception {
    broker = EmbeddedBroker.start();
    return broker.url();
  }

  @Override
  void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }
}
