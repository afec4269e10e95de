package dev.spela.fleet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A collector's persistent session taken over by another client with its id: once (a member of its
 * group draining the session, PROTOCOL.md section 7) it takes the session back and goes on
 * receiving; a second time soon after (two programs given one id) it gives up.
 */
class HostConnectionTakeOverTest {

  private static final String ID = "collector-1";
  private static final long WAIT_MS = 60_000;

  @Test
  void aCollectorTakesItsSessionBackOnceThenGivesUp() throws Exception {
    try (EmbeddedBroker broker = EmbeddedBroker.start()) {
      BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
      HostConnection.Session session = HostConnection.Session.persistent(ID, 300, 16);
      try (HostConnection collector = HostConnection.connect(broker.url(), session.reclaiming(), null,
              (topic, payload) -> received.add(payload));
          HostConnection publisher = HostConnection.connect(broker.url(), "publisher", null, (t, p) -> {})) {
        collector.subscribe("spela/test/+", 1);

        try (HostConnection drainer = HostConnection.connect(broker.url(), session, null, (t, p) -> {})) {
          await(drainer::takenOver, "the collector took its session back from the drainer");
          assertFalse(collector.takenOver());
        }
        byte[] payload = "after the drain".getBytes(StandardCharsets.US_ASCII);
        publisher.publish("spela/test/a", payload, 1, false);
        assertArrayEquals(payload, received.poll(WAIT_MS, TimeUnit.MILLISECONDS), "collecting again");

        try (HostConnection twin = HostConnection.connect(broker.url(), session, null, (t, p) -> {})) {
          await(collector::takenOver, "a second take-over within 60 s ends the collector's connection");
          assertFalse(twin.takenOver());
        }
      }
    }
  }

  /** Waits for a condition the connections' threads make true. */
  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what);
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }
}
