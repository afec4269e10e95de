package dev.spela.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A block is answered at most twice per window however often it is asked for. */
class BlockBudgetTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void twoAnswersPerBlockPerWindowThenAgainAfterIt() {
    BlockBudget budget = new BlockBudget(4);
    long t = 123 * SECOND;
    int sent = 0;
    for (int k = 0; k < 200; k++) {
      sent += budget.take(1, t + k) ? 1 : 0;
    }
    assertEquals(BlockBudget.SENDS_PER_WINDOW, sent, "200 requests, 2 answers");
    assertTrue(budget.take(2, t), "other blocks have their own budget");
    assertFalse(budget.take(1, t + 3 * SECOND), "still the same window");
    assertTrue(budget.take(1, t + BlockBudget.WINDOW.toNanos()), "the device's retry, after the window");
  }
}
