package dev.spela.fleet;

import dev.spela.protocols.fleet.FleetProtocol;
import java.util.HashMap;
import java.util.Map;

/**
 * A host's view of its devices' sessions, the rules of PROTOCOL.md section 6 ("Host view of a
 * device") with no broker: which session ({@code bdSeq}) each device is in since its last BIRTH,
 * the {@code seq} expected next, and when a lost or missed message calls for a REBIRTH. The host
 * that owns the connection applies the answers (counts, drops, the REBIRTH command). Thread-safe.
 */
public final class DeviceSessions {

  /**
   * What a device message means for its session.
   *
   * @param inSession false if it belongs to another session than the latest BIRTH's (count it
   *     STALE_SESSION; its content may still be used, DATA for instance)
   * @param missing messages found missing before it (a gap in {@code seq})
   * @param repeated true if it is older than expected (a repeat or a late one: handle idempotently)
   * @param askRebirth true if the host should send a REBIRTH command to the message's session
   */
  public record Check(boolean inSession, int missing, boolean repeated, boolean askRebirth) {}

  private record Session(long bdSeq, int expectedSeq, long rebirthAskedFor) {}

  private static final long NONE = -1;

  private final boolean seesEverything;
  private final Map<String, Session> sessions = new HashMap<>();
  private long missing;

  /**
   * @param seesEverything true for a host subscribed to all of a device's messages: only such a
   *     host can tell a lost message from one it never asked for, so only it asks for a REBIRTH
   *     after a gap (PROTOCOL.md section 6)
   */
  public DeviceSessions(boolean seesEverything) {
    this.seesEverything = seesEverything;
  }

  /** A BIRTH (re)starts the device's session: this {@code bdSeq}, {@code seq} 1 next. */
  public synchronized void birth(String device, long bdSeq) {
    sessions.put(device, new Session(bdSeq, 1, NONE));
  }

  /**
   * A DEATH: true if it ends the device's current session (the device is offline), false if it is
   * the late will of an older session (drop it as STALE_SESSION).
   */
  public synchronized boolean death(String device, long bdSeq) {
    Session session = sessions.get(device);
    return session != null && session.bdSeq() == bdSeq;
  }

  /** Any other device message, with its header's {@code bdSeq} and {@code seq}. */
  public synchronized Check message(String device, long bdSeq, int seq) {
    Session session = sessions.get(device);
    if (session == null) {
      return new Check(false, 0, false, false); // no BIRTH seen: nothing to address a REBIRTH to
    }
    if (session.bdSeq() != bdSeq) {
      boolean ask = session.rebirthAskedFor() != bdSeq;
      sessions.put(device, new Session(session.bdSeq(), session.expectedSeq(), bdSeq));
      return new Check(false, 0, false, ask);
    }
    int distance = FleetProtocol.seqDistance(session.expectedSeq(), seq);
    if (distance >= 128) {
      return new Check(true, 0, true, false);
    }
    sessions.put(device, new Session(bdSeq, (seq + 1) & 0xFF, session.rebirthAskedFor()));
    missing += distance;
    // A lost ACK or VERDICT may have changed what the host should know: start afresh.
    return new Check(true, distance, false, distance > 0 && seesEverything);
  }

  /** Messages found missing from the sequence numbers, over all devices. */
  public synchronized long missing() {
    return missing;
  }
}
