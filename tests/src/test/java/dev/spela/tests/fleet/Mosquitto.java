package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real Mosquitto broker on a free loopback port, started from {@code /usr/sbin/mosquitto} (the
 * Debian package; .ci/run installs it). A missing Mosquitto fails the tests: it does not skip them.
 */
final class Mosquitto implements AutoCloseable {

  static final Path BINARY = Path.of("/usr/sbin/mosquitto");

  private final Process process;
  private final Path conf;
  private final int port;
  private final BlockingQueue<String> output = new LinkedBlockingQueue<>();

  private Mosquitto(Process process, Path conf, int port) {
    this.process = process;
    this.conf = conf;
    this.port = port;
  }

  static Mosquitto start(Path dir) throws IOException, InterruptedException {
    return start(dir, false);
  }

  /**
   * As {@link #start(Path)}; {@code persistent}: it keeps retained messages, sessions and their
   * queues in {@code dir} through a restart, as {@code spela mosquitto-config} sets it up.
   */
  static Mosquitto start(Path dir, boolean persistent) throws IOException, InterruptedException {
    int port = freePort();
    Path conf = dir.resolve("mosquitto.conf");
    Files.writeString(conf, String.join("\n",
        "listener " + port + " 127.0.0.1",
        "allow_anonymous true",
        persistent ? "persistence true\npersistence_location " + dir.toAbsolutePath() + "/" : "persistence false",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "log_type information",
        // A monitor's persistent session queues the fleet's telemetry while it restarts
        // (docs/fleet/README.md, "What the broker must keep"); v5 sessions expire as the client asks.
        "max_queued_messages 100000",
        "max_queued_bytes 0",
        ""));
    return start(conf, port);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Starts Mosquitto with a configuration written elsewhere; {@code port} is one of its listeners. */
  static Mosquitto start(Path conf, int port) throws IOException, InterruptedException {
    assertTrue(Files.isExecutable(BINARY),
        BINARY + " is missing: install Mosquitto (apt-get install mosquitto mosquitto-clients, as .ci/run does)");
    Process process = new ProcessBuilder(BINARY.toString(), "-c", conf.toString()).redirectErrorStream(true).start();
    Mosquitto mosquitto = new Mosquitto(process, conf, port);
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          mosquitto.output.add(line);
        }
      } catch (IOException e) {
        mosquitto.output.add("(output ended: " + e.getMessage() + ")");
      }
    }, "mosquitto-output");
    reader.setDaemon(true);
    reader.start();
    // Mosquitto logs "mosquitto version X running" (type information) once its listener is open.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    StringBuilder seen = new StringBuilder();
    while (true) {
      String line = mosquitto.output.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        mosquitto.close();
        throw new AssertionError("mosquitto did not start on port " + port + ": " + seen);
      }
      seen.append(line).append('\n');
      if (line.contains(" running")) {
        return mosquitto;
      }
    }
  }

  /** Makes Mosquitto read its password and ACL files again (SIGHUP); it does so in the background. */
  void reload() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
    assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP mosquitto");
  }

  /** Stops this broker and starts it again on the same port and configuration (a broker restart). */
  Mosquitto restart() throws IOException, InterruptedException {
    return restart(0);
  }

  /** As {@link #restart()}, with the broker down for {@code outageSeconds} (a benchmark's fault). */
  Mosquitto restart(long outageSeconds) throws IOException, InterruptedException {
    close();
    TimeUnit.SECONDS.sleep(outageSeconds); // the outage itself, not a synchronisation
    return start(conf, port);
  }

  int port() {
    return port;
  }

  String url() {
    return "tcp://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    try {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
