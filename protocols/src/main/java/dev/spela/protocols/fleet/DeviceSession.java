package dev.spela.protocols.fleet;

import dev.spela.protocols.subset.SteadyState;

/**
 * A device's message counters (PROTOCOL.md section 2): the MQTT session's {@code bdSeq} and the
 * 8-bit {@code seq} of its messages (0 in each BIRTH), and the boot's 32-bit DATA record counter,
 * which neither a re-BIRTH nor a new session resets (with the life and boot count it keys a record).
 */
@SteadyState
public final class DeviceSession {

  private int bdSeq;
  private int seq;
  private int recordCounter;

  /** A new boot: records are numbered from 0 again. */
  public void boot() {
    recordCounter = 0;
  }

  /** Starts a session: call with the incremented, persisted bdSeq before connecting. */
  public void begin(int bdSeq) {
    this.bdSeq = bdSeq;
    seq = 0;
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

  /** The number of the next DATA record of this boot, taken whether the record is sent or not. */
  public int nextRecord() {
    return recordCounter++;
  }
}
