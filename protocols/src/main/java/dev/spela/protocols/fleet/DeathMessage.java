package dev.spela.protocols.fleet;

import dev.spela.protocols.subset.SteadyState;

/**
 * DEATH (device -> host, type 0x02): registered as the MQTT will of each connection (reason {@link
 * #CONNECTION_LOST}) and published before a clean disconnect. The header's bdSeq names the session
 * that ended, so a late will of an earlier session is told apart. Seq is 0.
 */
@SteadyState
public final class DeathMessage extends Message {

  public static final int REASON = 0;
  public static final int BODY_LENGTH = 4;

  public static final int CONNECTION_LOST = 0;
  public static final int SHUTDOWN = 1;
  public static final int REBOOT = 2;

  public DeathMessage() {
    super(FleetProtocol.DEATH, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    return require(reason() <= REBOOT && zeros(REASON + 1, 3));
  }

  public int reason() {
    return u8(REASON);
  }

  public DeathMessage reason(int reason) {
    put8(REASON, reason);
    return this;
  }
}
