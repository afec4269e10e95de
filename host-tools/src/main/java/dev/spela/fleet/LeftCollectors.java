package dev.spela.fleet;

import dev.spela.protocols.fleet.HostStateMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * A shared collector's care for the sessions of the collectors that leave its share group
 * (PROTOCOL.md section 7, "Collectors sharing DATA"). Mosquitto hands a shared subscription's
 * messages to the group's members in turn whether a member is connected or not, and keeps what it
 * gave a member that is away (and what that member had not acknowledged) in the member's persistent
 * session, for that member alone: a collector killed for good took its share of every later record
 * with it. So when a collector of the group is reported offline (its STATE offline or its will,
 * which name its MQTT client id) and does not announce the same session online again within
 * {@link #GRACE}, this collector resumes that session under its client id, stores what the broker
 * kept in it, and ends it ({@link FleetHost#drainLeftSession}). One session at a time, on a thread
 * of its own.
 */
final class LeftCollectors implements AutoCloseable {

  /** How long a collector reported offline has to come back before its session is taken. */
  static final Duration GRACE = Duration.ofSeconds(5);
  /** How long a drain waits for its end while nothing arrives before it leaves the rest. */
  private static final Duration STALL = Duration.ofSeconds(60);

  /** Opens a host in the session of the collector with a client id (not announced, no will). */
  interface Drainer {
    FleetHost open(String clientId) throws IOException;
  }

  private final String clientId;
  private final String share;
  private final Drainer drainer;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
    Thread thread = new Thread(task, "left-collectors");
    thread.setDaemon(true);
    return thread;
  });
  /** Drains waiting for their grace to pass, by the host session of the collector that left. */
  private final Map<Long, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();

  /** For the collector with MQTT client id {@code clientId} in the share group {@code share}. */
  LeftCollectors(String clientId, String share, Drainer drainer) {
    this.clientId = clientId;
    this.share = share;
    this.drainer = drainer;
  }

  /** A STATE from the host id's topic, with the MQTT delivery that carried it. */
  void onState(HostStateMessage state, HostConnection.Delivery delivery) {
    if (state.role() != HostStateMessage.PRIMARY) {
      return;
    }
    long session = state.session();
    if (state.online()) {
      ScheduledFuture<?> drain = pending.remove(session);
      if (drain != null && drain.cancel(false)) {
        Logger.info("the collector of session {} is back: its MQTT session stays its own", session);
      }
      return;
    }
    String left = delivery.property(FleetHost.COLLECTOR_PROPERTY);
    if (left == null || left.equals(clientId) || !share.equals(delivery.property(FleetHost.SHARE_PROPERTY))) {
      return;
    }
    pending.computeIfAbsent(session,
        s -> timer.schedule(() -> drain(s, left), GRACE.toMillis(), TimeUnit.MILLISECONDS));
  }

  private void drain(long session, String left) {
    pending.remove(session);
    Logger.info("collector {} left the shared subscription {}: storing what the broker kept in its session", left,
        share);
    FleetHost host = null;
    try {
      host = drainer.open(left);
      long taken = host.drainLeftSession(STALL);
      if (taken < 0) {
        Logger.warn("the MQTT session of collector {} was not drained (taken by another client, or stalled): the"
            + " broker keeps the rest for it", left);
      } else {
        Logger.info("the MQTT session of collector {} drained ({} messages) and ended", left, taken);
      }
    } catch (IOException e) {
      Logger.warn("draining the MQTT session of collector {}: {}", left, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (host != null) {
        host.close();
      }
    }
  }

  /** Stops watching; a drain under way is interrupted (the broker keeps what it did not take). */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
