package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import dev.spela.fleet.security.MosquittoConfig;
import java.nio.file.Path;

/** The security scenarios on a real Mosquitto configured by {@code spela mosquitto-config}. */
class MosquittoSecurityTest extends BrokerSecurityScenarios {

  private Mosquitto mosquitto;
  private int devicePort;
  private int hostPort;

  @Override
  void start(FleetSecurity fleet, Path dir) throws Exception {
    devicePort = Mosquitto.freePort();
    hostPort = Mosquitto.freePort();
    // Started as root (as CI is), Mosquitto would drop to its own user, who cannot read the key.
    String user = "root".equals(System.getProperty("user.name")) ? "root" : null;
    Path conf = MosquittoConfig.write(fleet, dir.resolve("mosquitto"),
        new MosquittoConfig.Listeners("127.0.0.1", devicePort, hostPort, user));
    mosquitto = Mosquitto.start(conf, devicePort);
  }

  @Override
  void stop() {
    if (mosquitto != null) {
      mosquitto.close();
    }
  }

  @Override
  String deviceUrl() {
    return "ssl://127.0.0.1:" + devicePort;
  }

  @Override
  String hostUrl() {
    return "ssl://127.0.0.1:" + hostPort;
  }

  @Override
  boolean refusesRetainedDeviceMessages() {
    return false;
  }

  @Override
  boolean refusesForbiddenSubscriptions() {
    return false;
  }
}
