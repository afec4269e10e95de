package dev.spela.boards.device;

import dev.spela.agent.AgentEvent;
import dev.spela.agent.DeviceFlash;
import dev.spela.agent.Reports;
import dev.spela.protocols.fleet.CodeNames;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.runtime.RuntimeStatus;
import org.tinylog.Logger;

/**
 * A virtual device's reports as log lines, one per event, prefixed with the device id: warnings
 * at WARN, the rest at DEBUG (INFO for what an operator of one device wants to see).
 */
final class DeviceLog implements Reports {

  private final String deviceId;

  DeviceLog(String deviceId) {
    this.deviceId = deviceId;
  }

  @Override
  public void report(int event, int first, int second) {
    String line = deviceId + ": " + describe(event, first, second);
    if (AgentEvent.isWarning(event)) {
      Logger.warn(line);
    } else if (event == AgentEvent.RESUMED || event == AgentEvent.TRANSFER_RESUMED
        || event == AgentEvent.BLOCK_RETRY) {
      Logger.info(line);
    } else {
      Logger.debug(line);
    }
  }

  /** One line for an agent event. */
  static String describe(int event, int first, int second) {
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
