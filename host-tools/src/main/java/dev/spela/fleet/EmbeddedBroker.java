package dev.spela.fleet;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.embedded.EmbeddedHiveMQBuilder;
import dev.spela.fleet.security.BrokerSecurityExtension;
import dev.spela.fleet.security.FleetSecurity;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
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
 * An MQTT 3.1.1 / 5 broker (HiveMQ Community Edition, embedded). It keeps everything in memory,
 * or, given a data folder, on disk: then a restart keeps retained messages, sessions and what they
 * queued (a monitor's persistent session loses no telemetry while the broker restarts). Its
 * configuration and extension folders (and the data, when in memory) live in a temporary
 * directory that is removed on {@link #close()}. Packets above {@link #MAX_PACKET_BYTES} are refused (the client is
 * disconnected).
 *
 * <p>Two modes. {@link #startSecure}: a TLS listener with the fleet's broker certificate, and the
 * {@link BrokerSecurityExtension} (loaded in-process) authenticating every client against the
 * fleet's accounts and authorising it per device. {@link #start}: plain TCP, anonymous clients
 * allowed (HiveMQ CE's default), which is why that mode only ever binds to loopback.
 */
public final class EmbeddedBroker implements AutoCloseable {

  private static final String LOOPBACK = "127.0.0.1";
  private static final long START_TIMEOUT_SECONDS = 60;
  private static final long STOP_TIMEOUT_SECONDS = 30;
  private static final int PORT_ATTEMPTS = 5;
  /**
   * The largest MQTT packet accepted: the longest fleet message (a 4 KiB BLOCK, 4124 bytes) with
   * its topic and MQTT headers fits with room for the v2 authenticators; a 200 MB payload does not.
   */
  public static final int MAX_PACKET_BYTES = 8192;

  private final EmbeddedHiveMQ hivemq;
  private final Path home;
  private final String url;
  private final int port;

  private EmbeddedBroker(EmbeddedHiveMQ hivemq, Path home, String url, int port) {
    this.hivemq = hivemq;
    this.home = home;
    this.url = url;
    this.port = port;
  }

  /** Starts a broker on a free loopback port. */
  public static EmbeddedBroker start() throws IOException {
    return onFreePort(port -> start(port));
  }

  /** Starts a secured broker (see {@link #startSecure(int, String, FleetSecurity)}) on a free loopback port. */
  public static EmbeddedBroker startSecure(FleetSecurity fleet) throws IOException {
    return startSecure(fleet, null);
  }

  /** As {@link #startSecure(FleetSecurity)}, keeping what the broker keeps in {@code dataFolder}. */
  public static EmbeddedBroker startSecure(FleetSecurity fleet, Path dataFolder) throws IOException {
    return onFreePort(port -> startSecure(port, LOOPBACK, fleet, dataFolder));
  }

  private interface Starter {
    EmbeddedBroker start(int port) throws IOException;
  }

  private static EmbeddedBroker onFreePort(Starter starter) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      try {
        return starter.start(freePort());
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
    return start(port, LOOPBACK, null, null);
  }

  /**
   * As {@link #start(int)}, keeping what the broker keeps (retained messages, sessions, queues) in
   * {@code dataFolder}, so that a broker started again on it has them.
   */
  public static EmbeddedBroker start(int port, Path dataFolder) throws IOException {
    return start(port, LOOPBACK, null, dataFolder);
  }

  /**
   * Starts a secured broker on {@code bindAddress:port}: TLS with the fleet's broker certificate,
   * every client authenticated and authorised by the fleet's accounts and policy. Returns once it
   * accepts connections; {@link #url()} is then {@code ssl://HOST:PORT}. With a {@code dataFolder},
   * what it keeps (retained messages, sessions, queues) is on disk there and survives a restart;
   * null keeps it in memory.
   */
  public static EmbeddedBroker startSecure(int port, String bindAddress, FleetSecurity fleet, Path dataFolder)
      throws IOException {
    return start(port, bindAddress, fleet, dataFolder);
  }

  private static EmbeddedBroker start(int port, String bindAddress, FleetSecurity fleet, Path dataFolder)
      throws IOException {
    Path home = Files.createTempDirectory("spela-broker-");
    try {
      Path config = Files.createDirectories(home.resolve("conf"));
      String listener = fleet == null ? tcpListener(port, bindAddress) : tlsListener(port, bindAddress, fleet, home);
      Files.writeString(config.resolve("config.xml"), configXml(listener, dataFolder != null), StandardCharsets.UTF_8);
      EmbeddedHiveMQBuilder builder =
          EmbeddedHiveMQ.builder()
              .withConfigurationFolder(config)
              .withDataFolder(Files.createDirectories(dataFolder != null ? dataFolder : home.resolve("data")))
              .withExtensionsFolder(Files.createDirectories(home.resolve("extensions")))
              .withoutLoggingBootstrap();
      if (fleet != null) {
        builder.withEmbeddedExtension(EmbeddedExtension.builder()
            .withId("spela-fleet-security")
            .withName("SPELA fleet security")
            .withVersion("1")
            .withAuthor("SPELA Edge")
            .withPriority(1000)
            .withExtensionMain(new BrokerSecurityExtension(fleet.accounts()))
            .build());
      }
      EmbeddedHiveMQ hivemq = builder.build();
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
      String host = clientHost(bindAddress);
      if (!listening(host, port)) {
        closeQuietly(hivemq);
        throw new IOException("MQTT broker could not listen on " + bindAddress + ":" + port);
      }
      String url = (fleet == null ? "tcp://" : "ssl://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
      Logger.debug("MQTT broker listening on {}", url);
      return new EmbeddedBroker(hivemq, home, url, port);
    } catch (IOException | RuntimeException e) {
      deleteTree(home);
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /** The URL clients connect to: {@code tcp://127.0.0.1:PORT}, or {@code ssl://...} when secured. */
  public String url() {
    return url;
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

  private static String tcpListener(int port, String bindAddress) {
    return """
            <tcp-listener>
              <port>%d</port>
              <bind-address>%s</bind-address>
            </tcp-listener>
        """.formatted(port, bindAddress);
  }

  /** A TLS listener with the fleet's broker key, in a key store under a fresh random password. */
  private static String tlsListener(int port, String bindAddress, FleetSecurity fleet, Path home) throws IOException {
    String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    Path keyStore = home.resolve("broker.p12");
    try (OutputStream out = Files.newOutputStream(keyStore)) {
      fleet.authority().brokerKeyStore(password.toCharArray()).store(out, password.toCharArray());
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot write the broker's key store: " + e.getMessage(), e);
    }
    return """
            <tls-tcp-listener>
              <port>%d</port>
              <bind-address>%s</bind-address>
              <tls>
                <keystore>
                  <path>%s</path>
                  <password>%s</password>
                  <private-key-password>%s</private-key-password>
                </keystore>
                <protocols>
                  <protocol>TLSv1.3</protocol>
                  <protocol>TLSv1.2</protocol>
                </protocols>
                <client-authentication-mode>NONE</client-authentication-mode>
              </tls>
            </tls-tcp-listener>
        """.formatted(port, bindAddress, keyStore, password, password);
  }

  static String configXml(String listener, boolean onDisk) {
    return """
        <?xml version="1.0"?>
        <hivemq>
          <listeners>
        %s  </listeners>
          <mqtt>
            <packets>
              <max-packet-size>%d</max-packet-size>
            </packets>
            <!-- A monitor's persistent session queues the fleet's telemetry while it restarts
                 (docs/fleet/README.md, "What the broker must keep"). This broker acknowledges a
                 device's record at once, so the devices do not slow down for a slow monitor: ten
                 monitor restarts among 16 fast devices queued more than 100,000 records and the
                 broker discarded 76,450 of them (docs/results.md, "Faults at fleet scale"). -->
            <queued-messages>
              <max-queue-size>1000000</max-queue-size>
              <strategy>discard</strategy>
            </queued-messages>
            <session-expiry>
              <max-interval>4294967295</max-interval>
            </session-expiry>
          </mqtt>
          <persistence>
            <mode>%s</mode>
          </persistence>
          <anonymous-usage-statistics>
            <enabled>false</enabled>
          </anonymous-usage-statistics>
          <general>
            <update-check-enabled>false</update-check-enabled>
          </general>
        </hivemq>
        """
        .formatted(listener, MAX_PACKET_BYTES, onDisk ? "file" : "in-memory");
  }

  /** A port that was free a moment ago (the kernel picks it). */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Where a client on this machine reaches a listener bound to {@code bindAddress}. */
  private static String clientHost(String bindAddress) {
    return bindAddress.equals("0.0.0.0") || bindAddress.equals("::") ? LOOPBACK : bindAddress;
  }

  /** HiveMQ reports a listener that failed to bind in its log only, so check that it answers. */
  private static boolean listening(String host, int port) {
    try {
      new java.net.Socket(host, port).close();
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
