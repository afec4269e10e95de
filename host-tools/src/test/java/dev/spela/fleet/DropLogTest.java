package dev.spela.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DropLogTest {

  @Test
  void aFloodOfDropsIsOneLinePerReasonThenOneSummaryAMinute() {
    AtomicLong now = new AtomicLong(0);
    DropLog log = new DropLog("message", Duration.ofMinutes(1), now::get);
    assertTrue(log.record("TRUNCATED", "spela/v2/lab/DATA/a").startsWith("dropped a message on spela/v2/lab/DATA/a: TRUNCATED"));
    for (int k = 0; k < 1000; k++) {
      assertNull(log.record("TRUNCATED", "spela/v2/lab/DATA/a"), "drop " + k + " within the minute");
    }
    assertTrue(log.record("BAD_TOPIC", "x").contains(": BAD_TOPIC"), "a new reason is told at once");
    now.set(Duration.ofSeconds(61).toNanos());
    assertEquals("messages dropped so far, by reason: {BAD_TOPIC=1, TRUNCATED=1002}",
        log.record("TRUNCATED", "spela/v2/lab/DATA/a"));
    assertNull(log.record("TRUNCATED", "spela/v2/lab/DATA/a"));
    assertEquals(1003, log.count("TRUNCATED"));
    assertEquals(0, log.count("BAD_MAC"));
  }
}
