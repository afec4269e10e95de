package dev.spela.boards.firmware;

import dev.spela.boards.BoardProfile;

/**
 * Everything a firmware is built from: the board, the model image, the sensor's samples, the
 * layout, whether it is the agent firmware (a fleet member over its UART, {@code --agent})
 * rather than the one that trains, evaluates and reports, and for a signed image the trusted
 * public key it must verify under before the firmware loads it (null: an unsigned image).
 */
public record FirmwareSpec(
    BoardProfile board,
    byte[] image,
    SensorData training,
    SensorData heldOut,
    FirmwareLayout layout,
    boolean agent,
    byte[] imageKey) {

  /** The firmware that trains, evaluates and reports. */
  public FirmwareSpec(
      BoardProfile board, byte[] image, SensorData training, SensorData heldOut, FirmwareLayout layout) {
    this(board, image, training, heldOut, layout, false, null);
  }

  String mainClass() {
    if (agent) {
      return TeaVmCompiler.AGENT_MAIN_CLASS;
    }
    return imageKey == null ? TeaVmCompiler.MAIN_CLASS : TeaVmCompiler.SIGNED_MAIN_CLASS;
  }
}
