package dev.spela.boards.device;

import dev.spela.protocols.fleet.AckMessage;
import dev.spela.protocols.fleet.VerdictMessage;

/** Readable names of the protocol's VERDICT outcomes and reasons and ACK statuses, for logs and reports. */
public final class VerdictNames {

  private static final String[] OUTCOMES = {"?", "CONFIRMED", "ROLLED_BACK", "REFUSED"};
  private static final String[] REASONS = {
    "NONE", "NO_SLOT", "TOO_LARGE", "BAD_BLOCK_SIZE", "BAD_DIGEST", "INVALID_IMAGE", "DOES_NOT_FIT",
    "WRITE_FAILED", "TRIAL_FAILED", "ALREADY_RUNNING", "SUPERSEDED", "BUSY"
  };
  private static final String[] ACK_STATUSES = {
    "OK", "UNKNOWN_COMMAND", "BAD_ARGUMENT", "WRONG_STATE", "NO_MODEL", "NO_DATA", "UNSUPPORTED", "BUSY", "FAILED"
  };

  private VerdictNames() {}

  public static String outcome(int outcome) {
    return outcome >= 1 && outcome <= VerdictMessage.REFUSED ? OUTCOMES[outcome] : "outcome " + outcome;
  }

  public static String reason(int reason) {
    return reason >= 0 && reason < REASONS.length ? REASONS[reason] : "reason " + reason;
  }

  /** {@code CONFIRMED}, or the outcome and its reason, as {@code REFUSED/BAD_DIGEST}. */
  public static String describe(int outcome, int reason) {
    return reason == VerdictMessage.NONE ? outcome(outcome) : outcome(outcome) + "/" + reason(reason);
  }

  public static String ackStatus(int status) {
    return status <= 0 && -status < ACK_STATUSES.length && status >= AckMessage.FAILED
        ? ACK_STATUSES[-status]
        : "status " + status;
  }
}
