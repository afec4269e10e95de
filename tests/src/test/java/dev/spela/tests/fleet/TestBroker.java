package dev.spela.tests.fleet;

import dev.spela.boards.device.DeviceCredentials;
import dev.spela.fleet.EmbeddedBroker;
import dev.spela.fleet.security.ClientSecurity;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.fleet.security.MosquittoConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A broker an end-to-end test runs against: the embedded HiveMQ CE, or a real Mosquitto; secured
 * by a fleet folder as {@code spela broker} and {@code spela mosquitto-config} set them up (the
 * default), or plain (for the tests that say why).
 */
interface TestBroker extends AutoCloseable {

  /** The URL devices connect to. */
  String url();

  /** The URL host programs connect to (Mosquitto: a listener of their own). */
  default String hostUrl() {
    return url();
  }

  /** The port of {@link #hostUrl()}. */
  default int hostPort() {
    return Integer.parseInt(hostUrl().substring(hostUrl().lastIndexOf(':') + 1));
  }

  /** How host programs log in: the fleet's host account over TLS, or nothing on a plain broker. */
  default ClientSecurity hostLogin() {
    return ClientSecurity.NONE;
  }

  /**
   * A device's credentials for this broker, enrolled in the fleet folder (kept in {@code stateDir}),
   * with the broker told about new accounts; null on a plain broker.
   */
  default DeviceCredentials enrol(String deviceId, String group, Path stateDir) throws IOException {
    return null;
  }

  /** Makes the broker take the fleet's current accounts (HiveMQ: nothing to do; Mosquitto: SIGHUP). */
  default void reloadAccounts() throws IOException {}

  /**
   * Stops the broker and starts it again on the same port: clients lose their connections. A
   * plain broker forgets everything (retained messages, sessions); a secured one keeps them on
   * disk, as spela sets brokers up.
   */
  void restart() throws IOException, InterruptedException;

  @Override
  void close();

  /** The embedded HiveMQ CE broker that spela broker --insecure runs: plain MQTT, anonymous. */
  static TestBroker embedded() throws IOException {
    return new TestBroker() {
      private EmbeddedBroker broker = EmbeddedBroker.start();

      @Override
      public String url() {
        return broker.url();
      }

      @Override
      public void restart() throws IOException {
        int port = broker.port();
        broker.close();
        broker = EmbeddedBroker.start(port);
      }

      @Override
      public void close() {
        broker.close();
      }
    };
  }

  /**
   * The embedded broker, plain and anonymous, keeping sessions and queues in {@code data} (as
   * {@code spela broker} does): a restart keeps them, with the broker down for {@code
   * outageSeconds} (a benchmark's fault).
   */
  static TestBroker embeddedOnDisk(Path data, long outageSeconds) throws IOException {
    int port = Mosquitto.freePort();
    return new TestBroker() {
      private EmbeddedBroker broker = EmbeddedBroker.start(port, data);

      @Override
      public String url() {
        return broker.url();
      }

      @Override
      public void restart() throws IOException, InterruptedException {
        broker.close();
        TimeUnit.SECONDS.sleep(outageSeconds); // the outage itself, not a synchronisation
        broker = EmbeddedBroker.start(port, data);
      }

      @Override
      public void close() {
        broker.close();
      }
    };
  }

  /**
   * Mosquitto, plain and anonymous, keeping sessions and queues in {@code dir} as {@code spela
   * mosquitto-config} sets it up: a restart keeps them, with the broker down for {@code
   * outageSeconds} (a benchmark's fault).
   */
  static TestBroker persistentMosquitto(Path dir, long outageSeconds) throws IOException, InterruptedException {
    return new TestBroker() {
      private Mosquitto mosquitto = Mosquitto.start(dir, true);

      @Override
      public String url() {
        return mosquitto.url();
      }

      @Override
      public void restart() throws IOException, InterruptedException {
        mosquitto = mosquitto.restart(outageSeconds);
      }

      @Override
      public void close() {
        mosquitto.close();
      }
    };
  }

  /** A real Mosquitto 2 broker, plain and anonymous, configured in {@code dir}. */
  static TestBroker mosquitto(Path dir) throws IOException, InterruptedException {
    return new TestBroker() {
      private Mosquitto mosquitto = Mosquitto.start(dir);

      @Override
      public String url() {
        return mosquitto.url();
      }

      @Override
      public void restart() throws IOException, InterruptedException {
        mosquitto = mosquitto.restart();
      }

      @Override
      public void close() {
        mosquitto.close();
      }
    };
  }

  /** The embedded broker as spela broker runs it by default: TLS, the fleet's accounts and policy. */
  static TestBroker secureEmbedded(FleetSecurity fleet) throws IOException {
    Path data = fleet.folder().resolve("broker-data");
    return new Secured(fleet) {
      private EmbeddedBroker broker = EmbeddedBroker.startSecure(fleet, data);

      @Override
      public String url() {
        return broker.url();
      }

      @Override
      public void restart() throws IOException {
        int port = broker.port();
        broker.close();
        broker = EmbeddedBroker.startSecure(port, "127.0.0.1", fleet, data);
      }

      @Override
      public void close() {
        broker.close();
      }
    };
  }

  /**
   * Mosquitto configured by spela mosquitto-config: devices on one TLS listener, hosts on another.
   */
  static TestBroker secureMosquitto(FleetSecurity fleet, Path dir) throws IOException, InterruptedException {
    int devicePort = Mosquitto.freePort();
    int hostPort = Mosquitto.freePort();
    // Started as root (as CI is), Mosquitto would drop to its own user, who cannot read the key.
    String user = "root".equals(System.getProperty("user.name")) ? "root" : null;
    MosquittoConfig.Listeners listeners = new MosquittoConfig.Listeners("127.0.0.1", devicePort, hostPort, user);
    Path configDir = dir.resolve("mosquitto");
    Mosquitto started = Mosquitto.start(MosquittoConfig.write(fleet, configDir, listeners), devicePort);
    return new Secured(fleet) {
      private Mosquitto mosquitto = started;

      @Override
      public String url() {
        return "ssl://127.0.0.1:" + devicePort;
      }

      @Override
      public String hostUrl() {
        return "ssl://127.0.0.1:" + hostPort;
      }

      @Override
      public void reloadAccounts() throws IOException {
        MosquittoConfig.write(fleet, configDir, listeners);
        try {
          mosquitto.reload();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while reloading Mosquitto", e);
        }
      }

      @Override
      public void restart() throws IOException, InterruptedException {
        mosquitto = mosquitto.restart();
      }

      @Override
      public void close() {
        mosquitto.close();
      }
    };
  }

  /** What both secured brokers share: the fleet folder's host login and device enrolment. */
  abstract class Secured implements TestBroker {
    private final FleetSecurity fleet;

    Secured(FleetSecurity fleet) {
      this.fleet = fleet;
    }

    @Override
    public ClientSecurity hostLogin() {
      try {
        return fleet.hostClient();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public DeviceCredentials enrol(String deviceId, String group, Path stateDir) throws IOException {
      DeviceCredentials before = DeviceCredentials.load(stateDir);
      DeviceCredentials credentials = fleet.deviceCredentials(deviceId, group, stateDir);
      if (!credentials.equals(before)) {
        reloadAccounts();
      }
      return credentials;
    }
  }
}
