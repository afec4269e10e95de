package dev.spela.tests.fleet;

import java.nio.file.Path;

/** The fleet scenarios on a real Mosquitto 2 broker, which the test starts and stops. */
class MosquittoFleetTest extends FleetScenarios {

  private Mosquitto mosquitto;

  @Override
  String startBroker(Path dir) throws Exception {
    mosquitto = Mosquitto.start(dir);
    return mosquitto.url();
  }

  @Override
  void stopBroker() throws Exception {
    if (mosquitto != null) {
      mosquitto.close();
    }
  }

  @Override
  int port() {
    return mosquitto.port();
  }
}
