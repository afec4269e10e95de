package dev.spela.tests.fleet;

import java.nio.file.Path;

/** The monitor crash on a real Mosquitto 2 broker. */
class MosquittoMonitorCrashTest extends MonitorCrashScenarios {
  @Override
  TestBroker broker(Path dir) throws Exception {
    return TestBroker.mosquitto(dir);
  }
}
