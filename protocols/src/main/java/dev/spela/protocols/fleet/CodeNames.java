package dev.spela.protocols.fleet;

import dev.spela.protocols.image.ImageSignature;

/**
 * Names of the fleet protocol's VERDICT outcomes and reasons and ACK statuses, for logs and reports
 * (as {@link FleetStatus#name} names drop statuses). Not for the steady state: a name is a string.
 */
public final class CodeNames {

  private CodeNames() {}

  /** The name of an outcome code, for logs and reports. */
  public static String outcome(int outcome) {
    switch (outcome) {
      case VerdictMessage.CONFIRMED:
        return "CONFIRMED";
      case VerdictMessage.ROLLED_BACK:
        return "ROLLED_BACK";
      case VerdictMessage.REFUSED:
        return "REFUSED";
      default:
        return "UNKNOWN";
    }
  }

  /** What a BAD_SIGNATURE VERDICT's detail ({@link ImageSignature}'s status) says. */
  public static String signatureStatus(int status) {
    switch (status) {
      case ImageSignature.NOT_SIGNED:
        return "the image is not signed";
      case ImageSignature.UNKNOWN_KEY:
        return "signed with a key the device does not trust";
      case ImageSignature.BAD_SIGNATURE:
        return "the signature does not verify";
      default:
        return "UNKNOWN";
    }
  }

  /** The name of a reason code, for logs and reports. */
  public static String reason(int reason) {
    switch (reason) {
      case VerdictMessage.NONE:
        return "NONE";
      case VerdictMessage.NO_SLOT:
        return "NO_SLOT";
      case VerdictMessage.TOO_LARGE:
        return "TOO_LARGE";
      case VerdictMessage.BAD_BLOCK_SIZE:
        return "BAD_BLOCK_SIZE";
      case VerdictMessage.BAD_DIGEST:
        return "BAD_DIGEST";
      case VerdictMessage.INVALID_IMAGE:
        return "INVALID_IMAGE";
      case VerdictMessage.DOES_NOT_FIT:
        return "DOES_NOT_FIT";
      case VerdictMessage.WRITE_FAILED:
        return "WRITE_FAILED";
      case VerdictMessage.TRIAL_FAILED:
        return "TRIAL_FAILED";
      case VerdictMessage.ALREADY_RUNNING:
        return "ALREADY_RUNNING";
      case VerdictMessage.SUPERSEDED:
        return "SUPERSEDED";
      case VerdictMessage.BUSY:
        return "BUSY";
      case VerdictMessage.BAD_SIGNATURE:
        return "BAD_SIGNATURE";
      case VerdictMessage.DOWNGRADE:
        return "DOWNGRADE";
      default:
        return "UNKNOWN";
    }
  }

  /** The name of a command status code, for logs and reports. */
  public static String ackStatus(int status) {
    switch (status) {
      case AckMessage.OK:
        return "OK";
      case AckMessage.UNKNOWN_COMMAND:
        return "UNKNOWN_COMMAND";
      case AckMessage.BAD_ARGUMENT:
        return "BAD_ARGUMENT";
      case AckMessage.WRONG_STATE:
        return "WRONG_STATE";
      case AckMessage.NO_MODEL:
        return "NO_MODEL";
      case AckMessage.NO_DATA:
        return "NO_DATA";
      case AckMessage.UNSUPPORTED:
        return "UNSUPPORTED";
      case AckMessage.BUSY:
        return "BUSY";
      case AckMessage.FAILED:
        return "FAILED";
      case AckMessage.RATE_LIMITED:
        return "RATE_LIMITED";
      default:
        return "UNKNOWN";
    }
  }
}
