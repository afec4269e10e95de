package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Headless Chromium (the distribution's; .ci/run installs it) driven through the DevTools
 * protocol over a WebSocket: navigate, evaluate JavaScript, take a screenshot, and collect every
 * console error and uncaught exception of the page. A missing Chromium fails the tests.
 */
final class Chromium implements AutoCloseable {

  static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TIMEOUT_SECONDS = 60;

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();

  private Chromium(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /** Starts Chromium on a blank page, listening to its console. */
  static Chromium start(int width, int height) throws Exception {
    assertTrue(Files.isExecutable(BINARY), BINARY + " is missing: install chromium (as .ci/run does)");
    Path profile = Files.createTempDirectory("spela-chromium-");
    Process process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, "--remote-debugging-port=0", "--remote-allow-origins=*",
        "--window-size=" + width + "," + height, "about:blank").redirectErrorStream(true).start();
    String browser = awaitDevTools(process);
    int port = URI.create(browser).getPort();
    HttpClient http = HttpClient.newHttpClient();
    String page = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (page == null && System.nanoTime() < deadline) {
      JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
      for (JsonNode target : targets) {
        if (target.path("type").asText().equals("page")) {
          page = target.path("webSocketDebuggerUrl").asText();
        }
      }
    }
    assertTrue(page != null, "Chromium opened no page");
    Listener listener = new Listener();
    WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(page), listener).get(TIMEOUT_SECONDS,
        TimeUnit.SECONDS);
    Chromium chromium = new Chromium(process, profile, socket);
    listener.chromium = chromium;
    chromium.call("Runtime.enable", Map.of());
    chromium.call("Log.enable", Map.of());
    chromium.call("Page.enable", Map.of());
    return chromium;
  }

  /** Chromium prints "DevTools listening on ws://..." once its endpoint is open. */
  private static String awaitDevTools(Process process) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line; (line = out.readLine()) != null; ) {
      int at = line.indexOf("ws://");
      if (line.contains("DevTools listening on") && at >= 0) {
        Thread drain = new Thread(() -> {
          try {
            while (out.readLine() != null) {
              // Chromium's own log: not the page's console
            }
          } catch (IOException e) {
            // the browser is gone
          }
        }, "chromium-output");
        drain.setDaemon(true);
        drain.start();
        return line.substring(at).trim();
      }
      seen.append(line).append('\n');
    }
    throw new AssertionError("Chromium exited without a DevTools endpoint:\n" + seen);
  }

  /** Loads a page and waits for its load event. */
  void navigate(String url) throws Exception {
    call("Page.navigate", Map.of("url", url));
  }

  /** The value of a JavaScript expression (JSON-serialisable), evaluated in the page. */
  JsonNode evaluate(String expression) throws Exception {
    JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
    if (result.has("exceptionDetails")) {
      throw new AssertionError("page script failed: " + result.path("exceptionDetails"));
    }
    return result.path("result").path("value");
  }

  /** A PNG of the whole page. */
  byte[] screenshot() throws Exception {
    JsonNode result = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
    return Base64.getDecoder().decode(result.path("data").asText());
  }

  /** Console errors and uncaught exceptions of the page so far. */
  List<String> errors() {
    return List.copyOf(errors);
  }

  private JsonNode call(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
    message.set("params", JSON.valueToTree(params));
    socket.sendText(JSON.writeValueAsString(message), true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    JsonNode reply = answer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (reply.has("error")) {
      throw new AssertionError(method + " failed: " + reply.path("error"));
    }
    return reply.path("result");
  }

  private void received(JsonNode message) {
    if (message.has("id")) {
      CompletableFuture<JsonNode> answer = pending.remove(message.path("id").asInt());
      if (answer != null) {
        answer.complete(message);
      }
      return;
    }
    JsonNode params = message.path("params");
    switch (message.path("method").asText()) {
      case "Runtime.consoleAPICalled" -> {
        String type = params.path("type").asText();
        if (type.equals("error") || type.equals("assert")) {
          errors.add("console." + type + ": " + params.path("args"));
        }
      }
      case "Runtime.exceptionThrown" -> errors.add("exception: " + params.path("exceptionDetails"));
      case "Log.entryAdded" -> {
        if (params.path("entry").path("level").asText().equals("error")) {
          errors.add("log: " + params.path("entry").path("text").asText() + " "
              + params.path("entry").path("url").asText());
        }
      }
      default -> {
        // other events are not needed
      }
    }
  }

  /** Reassembles the protocol's messages (a WebSocket text message may come in parts). */
  private static final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();
    private volatile Chromium chromium;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        try {
          JsonNode message = JSON.readTree(text.toString());
          if (chromium != null) {
            chromium.received(message);
          }
        } catch (IOException e) {
          throw new IllegalStateException("DevTools sent something that is not JSON", e);
        } finally {
          text.setLength(0);
        }
      }
      webSocket.request(1);
      return null;
    }
  }

  @Override
  public void close() throws Exception {
    socket.abort();
    // Chromium's helper processes outlive the browser process for a moment and keep deleting files
    // in the profile: wait for all of them before walking it
    List<ProcessHandle> helpers = process.descendants().toList();
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    for (ProcessHandle helper : helpers) {
      helper.destroy();
      try {
        helper.onExit().get(20, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        helper.destroyForcibly();
      }
    }
    try (Stream<Path> files = Files.walk(profile)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
