package dev.spela.protocols.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md section 5's counter rule: each counter at most once, a little disorder tolerated. */
class ReplayWindowTest {

  @Test
  void aCounterIsTakenOnceAndOldOnesAreRefusedWhenTheWindowIsFull() {
    ReplayWindow window = new ReplayWindow();
    for (long c = 100; c < 100 + ReplayWindow.SIZE; c++) {
      assertEquals(FleetStatus.OK, window.accept(c));
    }
    assertEquals(FleetStatus.REPLAYED, window.accept(105), "kept: a replay");
    assertEquals(FleetStatus.REPLAYED, window.accept(99), "older than every kept counter");
    assertEquals(FleetStatus.OK, window.accept(200));
    assertEquals(FleetStatus.REPLAYED, window.accept(100), "evicted by 200: now too old");
    assertEquals(FleetStatus.OK, window.accept(150), "late, but newer than the oldest kept");
    window.reset();
    assertEquals(FleetStatus.OK, window.accept(100), "a new scope");
  }

  @Test
  void countersAreUnsigned() {
    ReplayWindow window = new ReplayWindow();
    for (int k = 0; k < ReplayWindow.SIZE; k++) {
      assertEquals(FleetStatus.OK, window.accept(0x7FFF_FFFF_0000_0000L + k));
    }
    assertEquals(FleetStatus.OK, window.accept(0x8000_0000_0000_0000L), "above 2^63 is larger");
    assertEquals(FleetStatus.REPLAYED, window.accept(5), "small is old");
  }

  /** Genuine counters shuffled within blocks of the window's size, with every one sent twice. */
  @Property(tries = 200)
  void shuffledWithinTheWindowAllAreTakenOnceAndNoRepeatIs(@ForAll long seed) {
    Random random = new Random(seed);
    List<Long> sent = new ArrayList<>();
    long counter = random.nextInt(1_000_000);
    for (int block = 0; block < 8; block++) {
      List<Long> part = new ArrayList<>();
      for (int k = 0; k < ReplayWindow.SIZE / 2; k++) {
        counter += 1 + random.nextInt(1000);
        part.add(counter);
      }
      Collections.shuffle(part, random);
      sent.addAll(part);
      sent.add(part.get(random.nextInt(part.size()))); // a replay
    }
    ReplayWindow window = new ReplayWindow();
    Set<Long> taken = new HashSet<>();
    int refused = 0;
    for (long c : sent) {
      if (window.accept(c) == FleetStatus.OK) {
        assertEquals(true, taken.add(c), "taken twice: " + c);
      } else {
        refused++;
      }
    }
    assertEquals(8, refused, "exactly the replays");
  }
}
