package dev.spela.protocols.fleet;

import dev.spela.protocols.subset.SteadyState;

/**
 * STATE (host -> devices, type 0x81) on {@code spela/v2/STATE/<hostId>}. The primary host's is
 * retained: online when it connects, offline as its will; its {@link #session} (milliseconds since
 * the Unix epoch, larger for each connection) lets a device ignore a late will or a stale retained
 * message. A secondary host's online STATE only asks devices for a BIRTH. Signed by the fleet's
 * host key in a secured fleet (PROTOCOL.md section 5).
 */
@SteadyState
public final class HostStateMessage extends Message {

  public static final int ONLINE = 0;
  public static final int ROLE = 1;
  public static final int STATE_FLAGS = 2;
  public static final int SESSION = 4;
  public static final int BODY_LENGTH = 12;

  /** The host that owns the fleet's STATE: retained, with a will; its session orders STATEs. */
  public static final int PRIMARY = 1;

  /**
   * A short-lived host program (flash, a command): not retained, no will, never offline; devices
   * answer it with a BIRTH but do not change their primary session for it.
   */
  public static final int SECONDARY = 2;

  /**
   * Flag of a PRIMARY STATE: the primary's collectors send RECEIPTs for the DATA they store, so a
   * device keeps each record until one names it (PROTOCOL.md section 9).
   */
  public static final int RECEIPTS = 1;

  public HostStateMessage() {
    super(FleetProtocol.HOST_STATE, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    int role = role();
    return require(
        u8(ONLINE) <= 1
            && (role == PRIMARY || role == SECONDARY && online())
            && (stateFlags() == 0 || stateFlags() == RECEIPTS && role == PRIMARY)
            && zeros(STATE_FLAGS + 1, 1));
  }

  public boolean online() {
    return u8(ONLINE) == 1;
  }

  /** {@link #PRIMARY} or {@link #SECONDARY}. */
  public int role() {
    return u8(ROLE);
  }

  /** {@link #RECEIPTS} or 0. */
  public int stateFlags() {
    return u8(STATE_FLAGS);
  }

  /** True if the host's collectors send receipts (a PRIMARY STATE only). */
  public boolean receipts() {
    return (stateFlags() & RECEIPTS) != 0;
  }

  public long session() {
    return i64(SESSION);
  }

  public HostStateMessage state(boolean online, int role, long session) {
    put8(ONLINE, online ? 1 : 0);
    put8(ROLE, role);
    put64(SESSION, session);
    return this;
  }

  /** Sets the flags ({@link #RECEIPTS} or 0) after {@link #state}. */
  public HostStateMessage stateFlags(int flags) {
    put8(STATE_FLAGS, flags);
    return this;
  }
}
