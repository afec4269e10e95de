package dev.spela.agent;

/**
 * What the agent reports ({@link Reports}): codes, with the meaning of the two numbers each
 * carries. Codes below {@link #FIRST_WARNING} are information, the others warnings an operator
 * should see.
 */
public final class AgentEvent {

  /** Booted: (boot count, slot running or -1). */
  public static final int BOOTED = 1;

  /** Training resumed from a checkpoint: (checkpoint area, epoch). */
  public static final int RESUMED = 2;

  /** A trial image loaded and was confirmed: (slot, transfer id). */
  public static final int TRIAL_CONFIRMED = 3;

  /** An image transfer started: (transfer id, image length). */
  public static final int RECEIVING = 4;

  /** An unfinished transfer continues: (transfer id, offset). */
  public static final int TRANSFER_RESUMED = 5;

  /** No block came for a while; asking again: (offset, retries so far). */
  public static final int BLOCK_RETRY = 6;

  /** Training stopped after the configured epochs: (epochs, 0). */
  public static final int EPOCHS_DONE = 7;

  /** A transfer ended: (outcome, reason) as in VERDICT. */
  public static final int VERDICT = 8;

  /** Rebooting (command or trial image): (0, 0). */
  public static final int REBOOTING = 9;

  public static final int FIRST_WARNING = 32;

  /** One copy of the state record is unreadable; the other is used: (area, 0). */
  public static final int STATE_AREA_UNREADABLE = 32;

  /** No copy of the state record is readable (and flash is not blank): defaults used. */
  public static final int STATE_UNREADABLE = 33;

  /** A slot does not hold a valid image: (slot, image status). */
  public static final int SLOT_INVALID = 34;

  /** The active slot's image is invalid or missing, the other slot's runs: (from, to). */
  public static final int SLOT_FALLBACK = 35;

  /** A checkpoint does not load; an older one or the image's start is used: (area, status). */
  public static final int CHECKPOINT_INVALID = 36;

  /** A trial image failed and was rolled back: (slot, status). */
  public static final int TRIAL_ROLLED_BACK = 37;

  /** Writing to flash failed: (area, flash status). */
  public static final int STORAGE_FAILED = 38;

  /** A received image was refused: (VERDICT reason, detail). */
  public static final int IMAGE_REFUSED = 39;

  /** A received message was dropped: (status, 0). */
  public static final int MESSAGE_DROPPED = 40;

  /** The connection to the broker was lost; reconnecting: (0, 0). */
  public static final int CONNECTION_LOST = 41;

  /** A training step failed and training stopped: (runtime status, 0). */
  public static final int TRAINING_FAILED = 42;

  /** Neither slot holds an image this device can run: (0, 0). */
  public static final int NO_MODEL = 43;

  /**
   * A connection attempt failed; the agent keeps trying, backing off up to a limit: (limit in
   * milliseconds, 0). Reported once until a connection succeeds, not for every attempt.
   */
  public static final int BROKER_UNREACHABLE = 44;

  private AgentEvent() {}

  public static boolean isWarning(int event) {
    return event >= FIRST_WARNING;
  }

  /** The constant's name, for logs. */
  public static String name(int event) {
    switch (event) {
      case BOOTED:
        return "BOOTED";
      case RESUMED:
        return "RESUMED";
      case TRIAL_CONFIRMED:
        return "TRIAL_CONFIRMED";
      case RECEIVING:
        return "RECEIVING";
      case TRANSFER_RESUMED:
        return "TRANSFER_RESUMED";
      case BLOCK_RETRY:
        return "BLOCK_RETRY";
      case EPOCHS_DONE:
        return "EPOCHS_DONE";
      case VERDICT:
        return "VERDICT";
      case REBOOTING:
        return "REBOOTING";
      case STATE_AREA_UNREADABLE:
        return "STATE_AREA_UNREADABLE";
      case STATE_UNREADABLE:
        return "STATE_UNREADABLE";
      case SLOT_INVALID:
        return "SLOT_INVALID";
      case SLOT_FALLBACK:
        return "SLOT_FALLBACK";
      case CHECKPOINT_INVALID:
        return "CHECKPOINT_INVALID";
      case TRIAL_ROLLED_BACK:
        return "TRIAL_ROLLED_BACK";
      case STORAGE_FAILED:
        return "STORAGE_FAILED";
      case IMAGE_REFUSED:
        return "IMAGE_REFUSED";
      case MESSAGE_DROPPED:
        return "MESSAGE_DROPPED";
      case CONNECTION_LOST:
        return "CONNECTION_LOST";
      case TRAINING_FAILED:
        return "TRAINING_FAILED";
      case NO_MODEL:
        return "NO_MODEL";
      case BROKER_UNREACHABLE:
        return "BROKER_UNREACHABLE";
      default:
        return "UNKNOWN";
    }
  }
}
