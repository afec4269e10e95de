package dev.spela.protocols.fleet;

/**
 * STATE (host -> devices, type 0x81) on {@code spela/v2/STATE/<hostId>}. The primary host's is
 * retained: online when it connects, offline as its will; its {@link #session} (milliseconds since
 * the Unix epoch, larger for each connection) lets a device ignore a late will or a stale retained
 * message. A secondary host's online STATE only asks devices for a BIRTH. Signed by the fleet's
 * host key in a secured fleet (PROTOCOL.md section 5).
 */
public final class HostStateMessage extends Message {

  public static final int ONLINE = 0;
  public static final int ROLE = 1;
  public static final int SESSION = 4;
  public static final int BODY_LENGTH = 12;

  /** The host that owns the fleet's STATE: retained, with a will; its session orders STATEs. */
  public static final int PRIMARY = 1;

  /**
   * A short-lived host program (flash, a command): not retained, no will, never offline; devices
   * answer it with a BIRTH but do not change their primary session for it.
   */
  public static final int SECONDARY = 2;

  public HostStateMessage() {
    super(FleetProtocol.HOST_STATE, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    int role = role();
    return require(
        u8(ONLINE) <= 1
            && (role == PRIMARY || role == SECONDARY && online())
            && zeros(ROLE + 1, 2));
  }

  public boolean online() {
    return u8(ONLINE) == 1;
  }

  /** {@link #PRIMARY} or {@link #SECONDARY}. */
  public int role() {
    return u8(ROLE);
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
}
