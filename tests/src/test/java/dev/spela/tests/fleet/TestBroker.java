package dev.spela.tests.fleet;

import dev.spela.fleet.EmbeddedBroker;
import java.io.IOException;
import java.nio.file.Path;

/** A broker an end-to-end test runs against: the embedded HiveMQ CE, or a real Mosquitto. */
interface TestBroker extends AutoCloseable {

  /** The URL clients connect to. */
  String url();

  @Override
  void close();

  /** The embedded HiveMQ CE broker that spela broker and spela demo run. */
  static TestBroker embedded() throws IOException {
    EmbeddedBroker broker = EmbeddedBroker.start();
    return new TestBroker() {
      @Override
      public String url() {
        return broker.url();
      }

      @Override
      public void close() {
        broker.close();
      }
    };
  }

  /** A real Mosquitto 2 broker, configured in {@code dir}. */
  static TestBroker mosquitto(Path dir) throws IOException, InterruptedException {
    Mosquitto mosquitto = Mosquitto.start(dir);
    return new TestBroker() {
      @Override
      public String url() {
        return mosquitto.url();
      }

      @Override
      public void close() {
        mosquitto.close();
      }
    };
  }
}
