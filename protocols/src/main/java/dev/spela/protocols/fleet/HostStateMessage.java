package dev.spela.protocols.fleet;

import dev.spela.protocols.subset.SteadyState;

/**
 * STATE (host -> devices, type 0x81), retained on {@code spela/v1/STATE/<hostId>}: online when the
 * host connects, offline as its will. {@link #session} (the host's connect time in milliseconds
 * since the Unix epoch) lets a device ignore a late offline will of an earlier host session.
 */
@SteadyState
public final class HostStateMessage extends Message {

  public static final int ONLINE = 0;
  public static final int SESSION = 4;
  public static final int BODY_LENGTH = 12;

  public HostStateMessage() {
    super(FleetProtocol.HOST_STATE, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    return require(u8(ONLINE) <= 1 && zeros(ONLINE + 1, 3));
  }

  public boolean online() {
    return u8(ONLINE) == 1;
  }

  public long session() {
    return i64(SESSION);
  }

  public HostStateMessage state(boolean online, long session) {
    put8(ONLINE, online ? 1 : 0);
    put64(SESSION, session);
    return this;
  }
}
