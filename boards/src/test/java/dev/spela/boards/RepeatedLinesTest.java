package dev.spela.boards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RepeatedLinesTest {

  @Test
  void aRepeatedFaultIsOneLineWithACount() {
    AtomicLong now = new AtomicLong();
    RepeatedLines lines = new RepeatedLines(10_000, now::get);
    assertEquals("dropped: BAD_MAC", lines.admit("BAD_MAC", "dropped: BAD_MAC"));
    for (int k = 0; k < 41; k++) {
      assertNull(lines.admit("BAD_MAC", "dropped: BAD_MAC"), "within 10 s: counted");
    }
    assertEquals("dropped: TRUNCATED", lines.admit("TRUNCATED", "dropped: TRUNCATED"), "another kind is said");
    now.addAndGet(10_000_000_000L);
    assertEquals("dropped: BAD_MAC (41 more like it since the last one shown)",
        lines.admit("BAD_MAC", "dropped: BAD_MAC"));
    assertNull(lines.admit("BAD_MAC", "dropped: BAD_MAC"));
    List<String> said = new ArrayList<>();
    lines.flush(said::add);
    assertEquals(List.of("dropped: BAD_MAC (1 like it since the last one shown)"), said);
    lines.flush(said::add);
    assertEquals(1, said.size(), "a count is said once");
  }
}
