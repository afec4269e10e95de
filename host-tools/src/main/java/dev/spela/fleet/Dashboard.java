package dev.spela.fleet;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * The live dashboard: an HTTP server (the JDK's) for the page, its assets and a stream of
 * server-sent events ({@code /events}): a {@code snapshot} when a page connects, then an {@code
 * update} with what changed, at most every {@value #PUSH_MS} ms, so a record shows within a second
 * of its arrival. Also serves {@code /snapshot.json}.
 */
public final class Dashboard implements AutoCloseable {

  static final long PUSH_MS = 250;
  private static final long KEEP_ALIVE_MS = 15_000;
  private static final String END = "\u0000end";

  private final LiveFleet fleet;
  private final HttpServer server;
  private final ExecutorService handlers;
  private final ScheduledExecutorService pusher;
  private final List<Client> clients = new CopyOnWriteArrayList<>();

  /** One connected page: its cursor, and the events waiting to be written to it. */
  private static final class Client {
    final LiveFleet.Cursor cursor = new LiveFleet.Cursor();
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  }

  private Dashboard(LiveFleet fleet, HttpServer server) {
    this.fleet = fleet;
    this.server = server;
    handlers = Executors.newCachedThreadPool(r -> daemon(r, "dashboard-http"));
    pusher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "dashboard-push"));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }

  /**
   * Serves the dashboard on {@code address} (port 0: a free port).
   *
   * @throws IOException if the address cannot be bound
   */
  public static Dashboard start(LiveFleet fleet, InetSocketAddress address) throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new IOException("cannot serve the dashboard on " + address.getHostString() + ":" + address.getPort()
          + ": " + e.getMessage(), e);
    }
    Dashboard dashboard = new Dashboard(fleet, server);
    server.setExecutor(dashboard.handlers);
    server.createContext("/", dashboard::page);
    server.createContext("/assets/", dashboard::asset);
    server.createContext("/events", dashboard::events);
    server.createContext("/snapshot.json", dashboard::snapshot);
    server.start();
    dashboard.pusher.scheduleWithFixedDelay(dashboard::push, PUSH_MS, PUSH_MS, TimeUnit.MILLISECONDS);
    return dashboard;
  }

  /** The page's address, {@code http://HOST:PORT/}. */
  public String url() {
    InetSocketAddress at = server.getAddress();
    String host = at.getAddress().isAnyLocalAddress() ? "127.0.0.1" : at.getAddress().getHostAddress();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + at.getPort() + "/";
  }

  private void page(HttpExchange exchange) throws IOException {
    if (!exchange.getRequestURI().getPath().equals("/")) {
      send(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    send(exchange, 200, "text/html; charset=utf-8", DashboardPage.live().getBytes(StandardCharsets.UTF_8));
  }

  private void asset(HttpExchange exchange) throws IOException {
    String name = exchange.getRequestURI().getPath().substring("/assets/".length());
    String type = DashboardPage.ASSETS.get(name);
    if (type == null) {
      send(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    send(exchange, 200, type, DashboardPage.asset(name));
  }

  private void snapshot(HttpExchange exchange) throws IOException {
    String json = DashboardPage.json(fleet.snapshot(new LiveFleet.Cursor(), true));
    send(exchange, 200, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** A page's event stream: held open, written by this handler thread as events are queued. */
  private void events(HttpExchange exchange) throws IOException {
    Client client = new Client();
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      String first = event("snapshot", DashboardPage.json(fleet.snapshot(client.cursor, true)));
      clients.add(client);
      out.write(first.getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (true) {
        String next = client.events.poll(KEEP_ALIVE_MS, TimeUnit.MILLISECONDS);
        if (next == END) {
          return;
        }
        out.write((next == null ? ": keep-alive\n\n" : next).getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException e) {
      Logger.debug("dashboard page went away: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      clients.remove(client);
    }
  }

  private static String event(String name, String data) {
    return "event: " + name + "\ndata: " + data + "\n\n";
  }

  private void push() {
    try {
      for (Client client : clients) {
        FleetSnapshot.Update update = fleet.update(client.cursor);
        if (update != null) {
          client.events.add(event("update", DashboardPage.json(update)));
        }
      }
    } catch (RuntimeException e) {
      Logger.warn(e, "dashboard update");
    }
  }

  @Override
  public void close() {
    pusher.shutdownNow();
    clients.forEach(c -> c.events.add(END));
    server.stop(0);
    handlers.shutdownNow();
  }
}
