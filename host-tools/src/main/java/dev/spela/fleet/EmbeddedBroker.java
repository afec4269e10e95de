package dev.spela.fleet;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.tinylog.Logger;

/**
 * An MQTT 3.1.1 / 5 broker (HiveMQ Community Edition, embedded) on 127.0.0.1, keeping everything
 * in memory. Its configuration, data and extension folders live in a temporary directory that is
 * removed on {@link #close()}. Anonymous clients are allowed (HiveMQ CE's default), which is why it
 * only ever binds to loopback.
 */
public final class EmbeddedBroker implements AutoCloseable {

  private static final long START_TIMEOUT_SECONDS = 60;
  private static final long STOP_TIMEOUT_SECONDS = 30;
  private static final int PORT_ATTEMPTS = 5;

  private final EmbeddedHiveMQ hivemq;
  private final Path home;
  private final int port;

  private EmbeddedBroker(EmbeddedHiveMQ hivemq, Path home, int port) {
    this.hivemq = hivemq;
    this.home = home;
    this.port = port;
  }

  /** Starts a broker on a free loopback port. */
  public static EmbeddedBroker start() throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      try {
        return start(freePort());
      } catch (IOException e) {
        last = e; // another process took the port between probing and binding: try another
      }
    }
    throw last;
  }

  /**
   * Starts a broker listening on {@code 127.0.0.1:port} and returns once it accepts connections.
   *
   * @throws IOException if the port cannot be bound or the broker does not start
   */
  public static EmbeddedBroker start(int port) throws IOException {
    Path home = Files.createTempDirectory("spela-broker-");
    try {
      Path config = Files.createDirectories(home.resolve("conf"));
      Files.writeString(config.resolve("config.xml"), configXml(port), StandardCharsets.UTF_8);
      EmbeddedHiveMQ hivemq =
          EmbeddedHiveMQ.builder()
              .withConfigurationFolder(config)
              .withDataFolder(Files.createDirectories(home.resolve("data")))
              .withExtensionsFolder(Files.createDirectories(home.resolve("extensions")))
              .withoutLoggingBootstrap()
              .build();
      try {
        hivemq.start().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        closeQuietly(hivemq);
        throw new IOException("MQTT broker did not start on port " + port + ": " + rootMessage(e), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closeQuietly(hivemq);
        throw new IOException("interrupted while starting the MQTT broker", e);
      }
      if (!listening(port)) {
        closeQuietly(hivemq);
        throw new IOException("MQTT broker could not listen on 127.0.0.1:" + port);
      }
      Logger.debug("MQTT broker listening on 127.0.0.1:{}", port);
      return new EmbeddedBroker(hivemq, home, port);
    } catch (IOException | RuntimeException e) {
      deleteTree(home);
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /** The URL clients connect to, {@code tcp://127.0.0.1:PORT}. */
  public String url() {
    return "tcp://127.0.0.1:" + port;
  }

  /** Stops the broker (disconnecting every client) and removes its folders. */
  @Override
  public void close() {
    try {
      hivemq.stop().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      Logger.warn("MQTT broker did not stop cleanly: {}", rootMessage(e));
    }
    closeQuietly(hivemq);
    deleteTree(home);
  }

  static String configXml(int port) {
    return """
        <?xml version="1.0"?>
        <hivemq>
          <listeners>
            <tcp-listener>
              <port>%d</port>
              <bind-address>127.0.0.1</bind-address>
            </tcp-listener>
          </listeners>
          <persistence>
            <mode>in-memory</mode>
          </persistence>
          <mqtt>
            <!-- A monitor's persistent session queues the fleet's telemetry while it restarts
                 (docs/fleet/README.md, "What the broker must keep"): room for minutes of it. -->
            <queued-messages>
              <max-queue-size>100000</max-queue-size>
              <strategy>discard</strategy>
            </queued-messages>
            <session-expiry>
              <max-interval>4294967295</max-interval>
            </session-expiry>
          </mqtt>
          <anonymous-usage-statistics>
            <enabled>false</enabled>
          </anonymous-usage-statistics>
          <general>
            <update-check-enabled>false</update-check-enabled>
          </general>
        </hivemq>
        """
        .formatted(port);
  }

  /** A port that was free a moment ago (the kernel picks it). */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** HiveMQ reports a listener that failed to bind in its log only, so check that it answers. */
  private static boolean listening(int port) {
    try {
      new java.net.Socket(InetAddress.getLoopbackAddress(), port).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void closeQuietly(EmbeddedHiveMQ hivemq) {
    try {
      hivemq.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | RuntimeException e) {
      Logger.debug(e, "closing the MQTT broker");
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(EmbeddedBroker::deleteQuietly);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      Logger.debug("could not delete {}: {}", path, e.getMessage());
    }
  }
}
