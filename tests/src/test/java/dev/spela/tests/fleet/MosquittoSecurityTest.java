package dev.spela.tests.fleet;

import dev.spela.fleet.security.FleetSecurity;
import dev.spela.fleet.security.MosquittoConfig;
import java.nio.file.Path;

/** The security scenarios on a real Mosquitto configured by {@code spela mosquitto-config}. */
class MosquittoSecurityTest extends BrokerSecurityScenarios {

  private Mosquitto mosquitto;
  private int devicePort;
  private int hostPort;
  private FleetSecurity fleet;
  private Path configDir;
  private String user;

  @Override
  void start(FleetSecurity fleet, Path dir) throws Exception {
    devicePort = Mosquitto.freePort();
    hostPort = Mosquitto.freePort();
    // Started as root (as CI is), Mosquitto would drop to its own user, who cannot read the key.
    user = "root".equals(System.getProperty("user.name")) ? "root" : null;
    this.fleet = fleet;
    configDir = dir.resolve("mosquitto");
    mosquitto = Mosquitto.start(writeConfig(), devicePort);
  }

  private Path writeConfig() throws Exception {
    return MosquittoConfig.write(
        fleet, configDir, new MosquittoConfig.Listeners("127.0.0.1", devicePort, hostPort, user));
  }

  /** As an operator does after provisioning: write the configuration again, then SIGHUP. */
  @Override
  void reloadAccounts() throws Exception {
    writeConfig();
    mosquitto.reload();
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
