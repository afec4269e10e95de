package dev.spela.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spela.protocols.image.ModelImage;
import org.junit.jupiter.api.Test;

class RateScheduleTest {

  /** Within one Q24 unit of the double-precision cosine decay, over a whole run, at the largest rate. */
  @Test
  void theCosineDecayIsDoublesWithinOneUnit() {
    int[] rates = {ModelImage.MAX_LEARNING_RATE, 503316, 1};
    int[] lengths = {1, 7, 1000, 1_200_000, Integer.MAX_VALUE};
    for (int rate : rates) {
      for (int steps : lengths) {
        for (int k = 0; k <= 1000; k++) {
          long step = (long) ((double) steps * k / 1000);
          double expected = step >= steps ? 0 : rate * 0.5 * (1 + Math.cos(Math.PI * step / steps));
          assertEquals(expected, RateSchedule.cosine(rate, step, steps), 1.0,
              "rate " + rate + ", step " + step + " of " + steps);
        }
      }
    }
    assertEquals(0, RateSchedule.cosine(1000, 5, 0));
    assertEquals(1000, RateSchedule.cosine(1000, 0, 5));
  }
}
