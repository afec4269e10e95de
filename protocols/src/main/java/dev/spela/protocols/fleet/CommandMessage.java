package dev.spela.protocols.fleet;

import dev.spela.protocols.subset.SteadyState;

/**
 * CMD (host -> device, type 0x82): one command with a host-chosen id, answered by an ACK with the
 * same id. Any non-zero code decodes, so a device can answer codes it does not know with {@link
 * AckMessage#UNKNOWN_COMMAND}. The header's bdSeq must be the device's current session.
 */
@SteadyState
public final class CommandMessage extends Message {

  public static final int COMMAND_ID = 0;
  public static final int CODE = 4;
  public static final int ARGUMENT = 8;
  public static final int BODY_LENGTH = 12;

  public static final int START = 1;
  public static final int PAUSE = 2;
  public static final int RESUME = 3;
  public static final int STOP = 4;

  /** Argument: the new learning rate, Q24 (1 .. 2^24). */
  public static final int SET_LEARNING_RATE = 5;

  /** Argument: most held-out samples to evaluate (0: all). The ACK carries the result. */
  public static final int EVALUATE = 6;

  public static final int CHECKPOINT = 7;
  public static final int REBOOT = 8;
  public static final int REBIRTH = 9;
  public static final int LAST_CODE = REBIRTH;

  public CommandMessage() {
    super(FleetProtocol.COMMAND, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    return require(code() != 0 && zeros(CODE + 1, 3));
  }

  /** Host-chosen id (u32), echoed by the ACK. */
  public int commandId() {
    return i32(COMMAND_ID);
  }

  public int code() {
    return u8(CODE);
  }

  public int argument() {
    return i32(ARGUMENT);
  }

  public CommandMessage command(int commandId, int code, int argument) {
    put32(COMMAND_ID, commandId);
    put8(CODE, code);
    put32(ARGUMENT, argument);
    return this;
  }
}
