package dev.spela.tests.fleet;

import dev.spela.boards.device.BrokerTrust;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Paho MQTT 3.1.1 clients as devices, claims and attackers use them, each closed with the others
 * at the end of a test class.
 */
final class DeviceClients implements AutoCloseable {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final List<MqttAsyncClient> clients = new ArrayList<>();

  /** Connects; {@code username} null: anonymous; {@code ca} null: no TLS settings. */
  MqttAsyncClient connect(String url, String clientId, String username, String password, Path ca)
      throws Exception {
    MqttAsyncClient client = new MqttAsyncClient(url, clientId, new MemoryPersistence());
    clients.add(client);
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(true);
    options.setConnectionTimeout(10);
    if (ca != null) {
      if (username != null) {
        BrokerTrust.apply(options, ca, username, password.toCharArray());
      } else {
        options.setSocketFactory(BrokerTrust.socketFactory(ca));
      }
    }
    client.connect(options).waitForCompletion(WAIT.toMillis());
    return client;
  }

  @Override
  public void close() {
    for (MqttAsyncClient client : clients) {
      try {
        if (client.isConnected()) {
          client.disconnectForcibly(1000);
        }
        client.close(true);
      } catch (MqttException e) {
        // already gone
      }
    }
  }
}
