package dev.spela.fleet.security;

import dev.spela.boards.device.BrokerTrust;
import dev.spela.fleet.EmbeddedBroker;
import dev.spela.fleet.HostConnection;
import dev.spela.fleet.security.FleetAccounts.Account;
import dev.spela.fleet.security.FleetAccounts.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * What TLS costs a 4 KiB image block on the embedded broker: a host (Paho 5) publishes a 4 KiB
 * block to a device (Paho 3.1.1), which answers with a 24-byte request, as BLOCK and BLOCK_REQUEST
 * do; one block in flight at a time, so each round trip is latency. Plain TCP (anonymous) and TLS
 * (accounts, policy) alternate in three rounds of 2000 round trips; the medians are printed. Run
 * (after {@code mvn -q -pl host-tools -am test-compile -DskipTests}) with:
 *
 * <pre>
 * java -cp "host-tools/target/classes:host-tools/target/test-classes:$(cat host-tools/target/classpath.txt)" \
 *     dev.spela.fleet.security.TlsRoundTripBenchmark
 * </pre>
 *
 * where {@code classpath.txt} comes from {@code mvn -q -pl host-tools -am test-compile
 * dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -DskipTests}.
 */
public final class TlsRoundTripBenchmark {

  private static final int ROUND_TRIPS = 2000;
  private static final String DEVICE = "dev-benchmark0000";

  private TlsRoundTripBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("spela-tls-bench");
    FleetSecurity fleet = FleetSecurity.open(dir.resolve("fleet"));
    String password = PasswordHash.newPassword();
    fleet.accounts().put(new Account(DEVICE, Role.DEVICE, "lab", PasswordHash.of(password)));
    double[][] micros = new double[2][3];
    for (int round = 0; round < 3; round++) {
      for (int secure = 0; secure < 2; secure++) {
        try (EmbeddedBroker broker =
            secure == 1 ? EmbeddedBroker.startSecure(fleet) : EmbeddedBroker.start()) {
          micros[secure][round] = run(broker.url(), secure == 1 ? fleet : null, password);
        }
      }
    }
    for (int secure = 0; secure < 2; secure++) {
      Arrays.sort(micros[secure]);
      double us = micros[secure][1];
      System.out.printf(
          "%s: %.0f us per 4 KiB round trip, %.0f KB/s one block at a time%n",
          secure == 1 ? "TLS + accounts" : "plain TCP", us, 4096 / us * 1e6 / 1000);
    }
    EmbeddedBrokerCleanup.delete(dir);
  }

  /**
   * Median-free mean of {@link #ROUND_TRIPS} round trips after 200 warm-up ones, in microseconds.
   */
  private static double run(String url, FleetSecurity fleet, String password) throws Exception {
    BlockingQueue<byte[]> answers = new LinkedBlockingQueue<>();
    HostConnection host =
        HostConnection.connect(
            url,
            "host-bench",
            null,
            (t, p) -> answers.add(p),
            fleet == null ? ClientSecurity.NONE : fleet.hostClient());
    host.subscribe("spela/v2/lab/IMGRSP/" + DEVICE, 0);
    MqttAsyncClient device = new MqttAsyncClient(url, DEVICE, new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(true);
    if (fleet != null) {
      BrokerTrust.apply(
          options, fleet.authority().caCertificateFile(), DEVICE, password.toCharArray());
    }
    byte[] request = new byte[24];
    device.setCallback(
        new MqttCallback() {
          @Override
          public void connectionLost(Throwable cause) {}

          @Override
          public void messageArrived(String topic, MqttMessage message) throws Exception {
            device.publish("spela/v2/lab/IMGRSP/" + DEVICE, request, 0, false);
          }

          @Override
          public void deliveryComplete(IMqttDeliveryToken token) {}
        });
    device.connect(options).waitForCompletion(20_000);
    device.subscribe("spela/v2/lab/IMG/" + DEVICE, 0).waitForCompletion(20_000);
    byte[] block = new byte[4096 + 28];
    try {
      for (int i = 0; i < 200; i++) {
        roundTrip(host, block, answers);
      }
      long start = System.nanoTime();
      for (int i = 0; i < ROUND_TRIPS; i++) {
        roundTrip(host, block, answers);
      }
      return (System.nanoTime() - start) / 1e3 / ROUND_TRIPS;
    } finally {
      device.disconnect().waitForCompletion(10_000);
      device.close();
      host.close();
    }
  }

  private static void roundTrip(HostConnection host, byte[] block, BlockingQueue<byte[]> answers)
      throws Exception {
    host.publish("spela/v2/lab/IMG/" + DEVICE, block, 0, false);
    if (answers.poll(10, TimeUnit.SECONDS) == null) {
      throw new IllegalStateException("no answer within 10 s");
    }
  }

  /** Removes the benchmark's temporary fleet folder. */
  private static final class EmbeddedBrokerCleanup {
    static void delete(Path dir) throws Exception {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
