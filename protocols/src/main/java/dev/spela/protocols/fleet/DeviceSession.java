package dev.spela.protocols.fleet;

import dev.spela.protocols.subset.SteadyState;

/**
 * A device's counters for one MQTT session (PROTOCOL.md section 2): the session's {@code bdSeq},
 * the 8-bit {@code seq} of its messages (0 in each BIRTH) and the 32-bit DATA record counter (which
 * a re-BIRTH does not reset, so record keys stay unique within the session).
 */
@SteadyState
public final class DeviceSession {

  private int bdSeq;
  private int seq;
  private int recordCounter;

  /** Starts a session: call with the incremented, persisted bdSeq before connecting. */
  public void begin(int bdSeq) {
    this.bdSeq = bdSeq;
    seq = 0;
    recordCounter = 0;
  }

  public int bdSeq() {
    return bdSeq;
  }

  /** The seq of a BIRTH (0); the next message gets 1. */
  public int birthSeq() {
    seq = 1;
    return 0;
  }

  /** The seq of the next non-BIRTH device message (DEATH and CLAIM use 0 instead). */
  public int nextSeq() {
    int next = seq;
    seq = (seq + 1) & 0xFF;
    return next;
  }

  /** The counter of the next DATA record, taken whether the record is published or skipped. */
  public int nextRecord() {
    return recordCounter++;
  }
}
