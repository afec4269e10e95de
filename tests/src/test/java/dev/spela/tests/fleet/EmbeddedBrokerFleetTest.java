package dev.spela.tests.fleet;

import dev.spela.fleet.EmbeddedBroker;
import java.nio.file.Path;

/** The fleet scenarios on the embedded HiveMQ CE broker that spela broker and spela demo run. */
class EmbeddedBrokerFleetTest extends FleetScenarios {

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

  @Override
  int port() {
    return broker.port();
  }
}
