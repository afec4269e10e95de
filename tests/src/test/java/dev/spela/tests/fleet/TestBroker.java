package dev.spela.tests.fleet;

import dev.spela.fleet.EmbeddedBroker;
import java.io.IOException;
import java.nio.file.Path;

/** A broker an end-to-end test runs against: the embedded HiveMQ CE, or a real Mosquitto. */
interface TestBroker extends AutoCloseable {

  /** The URL clients connect to. */
  String url();

  /**
   * Stops the broker and starts it again on the same port: clients lose their connections, and
   * everything the broker kept in memory (retained messages, sessions) is gone.
   */
  void restart() throws IOException, InterruptedException;

  @Override
  void close();

  /** The embedded HiveMQ CE broker that spela broker and spela demo run. */
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

  /** A real Mosquitto 2 broker, configured in {@code dir}. */
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
}
