package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A third-party client: {@code mosquitto_sub} subscribed to some topics, printing each message as
 * its topic and hex payload. Started only once its subscription is acknowledged.
 */
final class MosquittoSub implements AutoCloseable {

  static final Path BINARY = Path.of("/usr/bin/mosquitto_sub");

  /** One received message. */
  record Received(String topic, byte[] payload) {}

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<Received> received = new ArrayList<>();

  private MosquittoSub(Process process) {
    this.process = process;
  }

  static MosquittoSub start(int port, String... topics) throws IOException, InterruptedException {
    assertTrue(Files.isExecutable(BINARY),
        BINARY + " is missing: install mosquitto-clients (as .ci/run does)");
    // stdbuf: mosquitto_sub writes to a pipe through a full buffer, which would hold back its lines.
    List<String> command = new ArrayList<>(List.of("stdbuf", "-oL", BINARY.toString(), "-h", "127.0.0.1", "-p",
        Integer.toString(port), "-i", "third-party-" + ProcessHandle.current().pid(), "-V", "mqttv311", "-q", "1", "-d", "-F", "MSG %t %x"));
    for (String topic : topics) {
      command.add("-t");
      command.add(topic);
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    MosquittoSub sub = new MosquittoSub(process);
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          sub.lines.add(line);
        }
      } catch (IOException e) {
        sub.lines.add("(output ended)");
      }
    }, "mosquitto-sub-output");
    reader.setDaemon(true);
    reader.start();
    sub.awaitLine("SUBACK", 20);
    return sub;
  }

  private void awaitLine(String marker, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("mosquitto_sub printed no " + marker);
      }
      take(line);
      if (line.contains(marker)) {
        return;
      }
    }
  }

  private void take(String line) {
    if (line.startsWith("MSG ")) {
      String[] parts = line.split(" ", 3);
      received.add(new Received(parts[1], parts.length > 2 ? HexFormat.of().parseHex(parts[2]) : new byte[0]));
    }
  }

  /**
   * Waits until {@code count} messages have arrived (or {@code seconds} passed), and returns
   * everything received.
   */
  List<Received> awaitReceived(int count, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (received().size() < count && System.nanoTime() < deadline) {
      String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line != null) {
        take(line);
      }
    }
    return received();
  }

  /** Everything received so far. */
  List<Received> received() {
    for (String line; (line = lines.poll()) != null; ) {
      take(line);
    }
    return List.copyOf(received);
  }

  @Override
  public void close() {
    try {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
