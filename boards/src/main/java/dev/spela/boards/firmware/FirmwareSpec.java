package dev.spela.boards.firmware;

import dev.spela.boards.BoardProfile;

/** Everything a firmware is built from: the board, the model image, the sensor's samples, the layout. */
public record FirmwareSpec(
    BoardProfile board,
    byte[] image,
    SensorData training,
    SensorData heldOut,
    FirmwareLayout layout) {}
