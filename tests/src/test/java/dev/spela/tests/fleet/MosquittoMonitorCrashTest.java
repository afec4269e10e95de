package dev.spela.tests.fleet;

import java.nio.file.Path;

/** The monitor crash on a real Mosquitto 2 broker. */
class MosquittoMonitorCrashTest extends MonitorCrashScenarios {

  private Mosquitto mosquitto;

  @Override
  String startBroker(Path dir) throws Exception {
    mosquitto = Mosquitto.start(dir);
    return mosquitto.url();
  }

  @Override
  void stopBroker() {
    if (mosquitto != null) {
      mosquitto.close();
    }
  }
}
