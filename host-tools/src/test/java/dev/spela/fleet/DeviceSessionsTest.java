package dev.spela.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The host's view of device sessions (PROTOCOL.md section 6), with no broker. */
class DeviceSessionsTest {

  private final DeviceSessions host = new DeviceSessions(true);

  @Test
  void messagesInOrderAfterABirthAreInTheSession() {
    host.birth("vd-1", 42);
    for (int seq = 1; seq <= 300; seq++) {
      DeviceSessions.Check check = host.message("vd-1", 42, seq & 0xFF);
      assertEquals(new DeviceSessions.Check(true, 0, false, false), check, "seq " + seq);
    }
    assertEquals(0, host.missing());
  }

  @Test
  void aGapCountsTheLostMessagesAndAsksForARebirthOnlyFromAHostThatSeesEverything() {
    host.birth("vd-1", 7);
    DeviceSessions.Check gap = host.message("vd-1", 7, 10);
    assertEquals(new DeviceSessions.Check(true, 9, false, true), gap);
    assertEquals(9, host.missing());
    assertEquals(new DeviceSessions.Check(true, 0, false, false), host.message("vd-1", 7, 11));

    DeviceSessions collector = new DeviceSessions(false); // one of several sharing DATA
    collector.birth("vd-1", 7);
    assertEquals(new DeviceSessions.Check(true, 9, false, false), collector.message("vd-1", 7, 10));
  }

  @Test
  void anOldOrRepeatedMessageIsHandledAndTheExpectationKept() {
    host.birth("vd-1", 7);
    host.message("vd-1", 7, 1);
    host.message("vd-1", 7, 2);
    assertEquals(new DeviceSessions.Check(true, 0, true, false), host.message("vd-1", 7, 1));
    assertEquals(new DeviceSessions.Check(true, 0, false, false), host.message("vd-1", 7, 3));
  }

  @Test
  void anotherSessionsMessageIsStaleAndAsksForOneRebirthPerSession() {
    host.birth("vd-1", 7);
    assertEquals(new DeviceSessions.Check(false, 0, false, true), host.message("vd-1", 8, 5));
    assertEquals(new DeviceSessions.Check(false, 0, false, false), host.message("vd-1", 8, 6));
    assertEquals(new DeviceSessions.Check(false, 0, false, true), host.message("vd-1", 9, 1));
    host.birth("vd-1", 9); // the BIRTH asked for
    assertEquals(new DeviceSessions.Check(true, 0, false, false), host.message("vd-1", 9, 1));
    // A device the host has no BIRTH of: stale, and no session to address a REBIRTH to.
    assertEquals(new DeviceSessions.Check(false, 0, false, false), host.message("vd-2", 1, 3));
  }

  @Test
  void aDeathEndsOnlyItsOwnSession() {
    host.birth("vd-1", 7);
    assertFalse(host.death("vd-1", 6), "the late will of an older session");
    assertFalse(host.death("vd-2", 7), "unknown device");
    assertTrue(host.death("vd-1", 7));
  }
}
