package dev.spela.tests.fleet;

import dev.spela.fleet.EmbeddedBroker;
import dev.spela.fleet.security.FleetSecurity;
import java.nio.file.Path;

/** The security scenarios on the embedded HiveMQ broker with its in-process security extension. */
class EmbeddedBrokerSecurityTest extends BrokerSecurityScenarios {

  private EmbeddedBroker broker;

  @Override
  void start(FleetSecurity fleet, Path dir) throws Exception {
    broker = EmbeddedBroker.startSecure(fleet);
  }

  @Override
  void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Override
  void reloadAccounts() {
    // the extension reads the accounts file again whenever it changed
  }

  @Override
  String deviceUrl() {
    return broker.url();
  }

  @Override
  String hostUrl() {
    return broker.url();
  }

  @Override
  boolean refusesRetainedDeviceMessages() {
    return true;
  }

  @Override
  boolean refusesForbiddenSubscriptions() {
    return true;
  }
}
