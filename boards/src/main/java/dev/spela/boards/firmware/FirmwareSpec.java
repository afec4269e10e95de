package dev.spela.boards.firmware;

import dev.spela.boards.BoardProfile;

/**
 * Everything a firmware is built from: the board, the model image, the sensor's samples, the
 * layout, and whether it is the agent firmware (a fleet member over its UART, {@code --agent})
 * rather than the one that trains, evaluates and reports.
 */
public record FirmwareSpec(
    BoardProfile board,
    byte[] image,
    SensorData training,
    SensorData heldOut,
    FirmwareLayout layout,
    boolean agent) {

  /** The firmware that trains, evaluates and reports. */
  public FirmwareSpec(
      BoardProfile board, byte[] image, SensorData training, SensorData heldOut, FirmwareLayout layout) {
    this(board, image, training, heldOut, layout, false);
  }

  String mainClass() {
    return agent ? TeaVmCompiler.AGENT_MAIN_CLASS : TeaVmCompiler.MAIN_CLASS;
  }
}
