package dev.spela.boards.device;

import dev.spela.agent.AgentEvent;
import dev.spela.agent.DeviceFlash;
import dev.spela.agent.Reports;
import dev.spela.boards.RepeatedLines;
import dev.spela.protocols.fleet.CodeNames;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.runtime.RuntimeStatus;
import org.tinylog.Level;
import org.tinylog.Logger;

/**
 * A virtual device's reports as log lines, one per event, prefixed with the device id: warnings
 * at WARN, the rest at DEBUG (INFO for what an operator of one device wants to see). Dropped
 * messages that repeat are one line with a count ({@link RepeatedLines}); a STALE_SESSION drop (a
 * late will, an old retained STATE: normal after reconnections) is DEBUG.
 */
public final class DeviceLog implements Reports {

  private static final long REPEATS_MILLIS = 10_000;

  private final String deviceId;
  private final String brokerUrl;
  private final RepeatedLines drops = new RepeatedLines(REPEATS_MILLIS);

  DeviceLog(String deviceId) {
    this(deviceId, "the broker");
  }

  DeviceLog(String deviceId, String brokerUrl) {
    this.deviceId = deviceId;
    this.brokerUrl = brokerUrl;
  }

  @Override
  public void report(int event, int first, int second) {
    String text = event == AgentEvent.BROKER_UNREACHABLE
        ? "cannot reach " + brokerUrl + ": waiting for it, trying again every " + Math.max(1, first / 1000)
            + " s at most"
        : describe(event, first, second);
    String line = deviceId + ": " + text;
    switch (level(event, first)) {
      case WARN -> {
        String once = event == AgentEvent.MESSAGE_DROPPED ? drops.admit(FleetStatus.name(first), line) : line;
        if (once != null) {
          Logger.warn(once);
        }
      }
      case INFO -> Logger.info(line);
      default -> Logger.debug(line);
    }
  }

  /** How loud an event is: warnings at WARN but a STALE_SESSION drop, progress at INFO. */
  static Level level(int event, int first) {
    if (event == AgentEvent.MESSAGE_DROPPED && first == FleetStatus.STALE_SESSION) {
      return Level.DEBUG;
    }
    if (AgentEvent.isWarning(event)) {
      return Level.WARN;
    }
    return event == AgentEvent.RESUMED || event == AgentEvent.TRANSFER_RESUMED || event == AgentEvent.BLOCK_RETRY
        ? Level.INFO
        : Level.DEBUG;
  }

  /** One line for an agent event. */
  public static String describe(int event, int first, int second) {
    return switch (event) {
      case AgentEvent.BOOTED -> "booted (boot " + Integer.toUnsignedString(first) + "), "
          + (second < 0 ? "no model" : "running the image in slot " + second);
      case AgentEvent.RESUMED -> "training resumes from the checkpoint in " + area(first) + " (epoch " + second + ")";
      case AgentEvent.TRIAL_CONFIRMED -> "the image in slot " + first + " passed its trial boot: confirmed";
      case AgentEvent.RECEIVING -> "receiving image transfer " + Integer.toUnsignedString(first) + " (" + second
          + " bytes)";
      case AgentEvent.TRANSFER_RESUMED -> "resuming image transfer " + Integer.toUnsignedString(first) + " at "
          + second;
      case AgentEvent.BLOCK_RETRY -> "no image block for a while, asking again from " + first + " (retry "
          + second + ")";
      case AgentEvent.EPOCHS_DONE -> first + " epochs done: training stops";
      case AgentEvent.VERDICT -> "image transfer ended: " + CodeNames.outcome(first)
          + (second == VerdictMessage.NONE ? "" : "/" + CodeNames.reason(second));
      case AgentEvent.REBOOTING -> "rebooting";
      case AgentEvent.STATE_AREA_UNREADABLE -> "the state record in " + area(first) + " is unreadable: using the"
          + " other copy";
      case AgentEvent.STATE_UNREADABLE -> "no copy of the state record is readable: booting with defaults"
          + " (slots are checked)";
      case AgentEvent.SLOT_INVALID -> "slot " + first + " holds no valid image (" + RuntimeStatus.name(second) + ")";
      case AgentEvent.SLOT_FALLBACK -> "the active slot " + first + " holds no valid image: running slot " + second;
      case AgentEvent.CHECKPOINT_INVALID -> "the checkpoint in " + area(first) + " does not load ("
          + RuntimeStatus.name(second) + "): trying an older one, else the image's start";
      case AgentEvent.TRIAL_ROLLED_BACK -> "the image in slot " + first + " failed its trial boot ("
          + (second == 0 ? "restarted before confirming" : RuntimeStatus.name(second)) + "): rolled back";
      case AgentEvent.STORAGE_FAILED -> "writing " + area(first) + " failed: " + RuntimeStatus.name(second);
      case AgentEvent.IMAGE_REFUSED -> "received image refused: " + CodeNames.reason(first)
          + (second == 0 ? "" : " (" + RuntimeStatus.name(second) + ")");
      case AgentEvent.MESSAGE_DROPPED -> "dropped a message: " + FleetStatus.name(first);
      case AgentEvent.CONNECTION_LOST -> "connection lost, reconnecting";
      case AgentEvent.TRAINING_FAILED -> "a training step failed (" + RuntimeStatus.name(first)
          + "): training stops";
      case AgentEvent.NO_MODEL -> "neither slot holds an image this device can run";
      default -> AgentEvent.name(event) + " (" + first + ", " + second + ")";
    };
  }

  private static String area(int area) {
    return switch (area) {
      case DeviceFlash.SLOT_0, DeviceFlash.SLOT_1 -> "slot " + (area - DeviceFlash.SLOT_0);
      case DeviceFlash.CHECKPOINT_0, DeviceFlash.CHECKPOINT_1 -> "checkpoint area " + (area - DeviceFlash.CHECKPOINT_0);
      default -> "state area " + (area - DeviceFlash.STATE_0);
    };
  }
}
