package dev.spela.firmware;

import dev.spela.agent.AgentConfig;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.image.LittleEndian;
import dev.spela.protocols.subset.InitPhase;

/**
 * The settings an agent firmware reads at start ({@code agent.cfg} beside the firmware, written by
 * {@code spela firmware run}, as a factory programs a board's settings page): its identity, the
 * host it follows, the figures its BIRTH reports and its telemetry rhythm. Little-endian:
 *
 * <pre>
 * offset  type     field
 *   0     u32      magic "SPAG" (0x47415053)
 *   4     u16      version 2
 *   6     u16      length 240
 *   8     u8[32]   device id (a Name field: ASCII, zero-padded)
 *  40     u8[32]   group
 *  72     u8[32]   host id whose STATE it waits for
 * 104     u8[32]   board profile id
 * 136     i64      a fresh life id (non-zero; random, drawn by the host at every run)
 * 144     i32      training samples per DATA record
 * 148     i32      DATA records per checkpoint
 * 152     i32      epochs after which training stops (0: never)
 * 156     i32      log2 of the largest image block it takes
 * 160     i32[4]   RAM budget and use, flash budget and use (bytes, for BIRTH)
 * 176     u8[32]   device key (PROTOCOL.md section 5; all zero: an --insecure fleet, no keys)
 * 208     u8[32]   the fleet's host public key (Ed25519)
 * </pre>
 */
public final class AgentSettings {

  public static final int MAGIC = 0x47415053;
  public static final int VERSION = 2;
  public static final int LENGTH = 240;

  public static final int DEVICE_ID_OFFSET = 8;
  public static final int GROUP_OFFSET = 40;
  public static final int HOST_ID_OFFSET = 72;
  public static final int BOARD_OFFSET = 104;
  public static final int LIFE_ID_OFFSET = 136;
  public static final int RECORD_EVERY_OFFSET = 144;
  public static final int CHECKPOINT_EVERY_OFFSET = 148;
  public static final int EPOCHS_OFFSET = 152;
  public static final int MAX_BLOCK_LOG2_OFFSET = 156;
  public static final int MEMORY_OFFSET = 160;
  public static final int DEVICE_KEY_OFFSET = 176;
  public static final int HOST_KEY_OFFSET = 208;

  /** {@link #read}: the settings are missing or not version 2 of this layout. */
  public static final int BAD_SETTINGS = -1;

  private AgentSettings() {}

  /**
   * Fills {@code config} (and {@code deviceId}) from {@code settings[0, length)}; returns 0, or
   * {@link #BAD_SETTINGS}.
   */
  @InitPhase
  public static int read(byte[] settings, int length, AgentConfig config, Name deviceId) {
    if (length != LENGTH
        || LittleEndian.i32(settings, 0) != MAGIC
        || LittleEndian.u16(settings, 4) != VERSION
        || LittleEndian.u16(settings, 6) != LENGTH) {
      return BAD_SETTINGS;
    }
    Name group = new Name();
    Name hostId = new Name();
    Name board = new Name();
    if (deviceId.readField(settings, DEVICE_ID_OFFSET) != 0
        || group.readField(settings, GROUP_OFFSET) != 0
        || hostId.readField(settings, HOST_ID_OFFSET) != 0
        || board.readField(settings, BOARD_OFFSET) != 0) {
      return BAD_SETTINGS;
    }
    config
        .identity(deviceId, group, hostId)
        .board(board)
        .newLifeId(LittleEndian.i64(settings, LIFE_ID_OFFSET))
        .telemetry(
            LittleEndian.i32(settings, RECORD_EVERY_OFFSET),
            LittleEndian.i32(settings, CHECKPOINT_EVERY_OFFSET),
            LittleEndian.i32(settings, EPOCHS_OFFSET))
        .maxBlockLog2(LittleEndian.i32(settings, MAX_BLOCK_LOG2_OFFSET))
        .memory(
            LittleEndian.i32(settings, MEMORY_OFFSET),
            LittleEndian.i32(settings, MEMORY_OFFSET + 4),
            LittleEndian.i32(settings, MEMORY_OFFSET + 8),
            LittleEndian.i32(settings, MEMORY_OFFSET + 12))
        .wallClock(false);
    if (anyNonZero(settings, DEVICE_KEY_OFFSET, LENGTH)) {
      config.keys(settings, DEVICE_KEY_OFFSET, settings, HOST_KEY_OFFSET);
    }
    return 0;
  }

  private static boolean anyNonZero(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] != 0) {
        return true;
      }
    }
    return false;
  }
}
