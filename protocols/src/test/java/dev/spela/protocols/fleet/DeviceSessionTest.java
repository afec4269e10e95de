package dev.spela.protocols.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DeviceSessionTest {

  @Test
  void seqWrapsAt256WhileTheRecordCounterKeepsCountingUntilTheNextBoot() {
    DeviceSession session = new DeviceSession();
    session.boot();
    session.begin(42);
    assertEquals(0, session.birthSeq());
    int lastSeq = 0;
    for (int n = 1; n <= 300; n++) {
      int seq = session.nextSeq();
      assertEquals(1, FleetProtocol.seqDistance(lastSeq, seq));
      lastSeq = seq;
      assertEquals(n - 1, session.nextRecord());
    }
    assertEquals(300 % 256, lastSeq);
    assertEquals(0, session.birthSeq(), "a re-BIRTH restarts seq ...");
    assertEquals(1, session.nextSeq());
    assertEquals(300, session.nextRecord(), "... but not the record counter");
    session.begin(43);
    assertEquals(43, session.bdSeq());
    assertEquals(0, session.birthSeq(), "a new session restarts seq ...");
    assertEquals(301, session.nextRecord(), "... but records are numbered per boot");
    session.boot();
    assertEquals(0, session.nextRecord(), "a new boot restarts them");
  }
}
