package dev.spela.fleet;

import java.util.HexFormat;

/**
 * What the host knows about one device, from its latest BIRTH (and DEATH). Immutable: the host
 * replaces it on every BIRTH or DEATH.
 *
 * @param bdSeq the session of the latest BIRTH
 * @param imageSha256 hex SHA-256 of the running image, empty if none
 * @param life the device's life id as {@link TelemetryRecord#life(long)} writes it
 */
public record DeviceView(
    String id,
    String group,
    String board,
    long bdSeq,
    long bootCount,
    boolean online,
    int capabilities,
    int trainingState,
    long samplesSeen,
    int layers,
    int classes,
    int learningRateQ24,
    long ramBudget,
    long ramUsed,
    long flashBudget,
    long flashUsed,
    int imageSlotBytes,
    int maxBlockLog2,
    int imageLength,
    String imageSha256,
    long pendingTransferId,
    long pendingOffset,
    long bornAtMillis,
    String life) {

  public static final String[] TRAINING_STATES = {"stopped", "training", "paused"};

  public String trainingStateName() {
    return trainingState >= 0 && trainingState < TRAINING_STATES.length ? TRAINING_STATES[trainingState] : "?";
  }

  DeviceView offline() {
    return new DeviceView(id, group, board, bdSeq, bootCount, false, capabilities, trainingState, samplesSeen,
        layers, classes, learningRateQ24, ramBudget, ramUsed, flashBudget, flashUsed, imageSlotBytes,
        maxBlockLog2, imageLength, imageSha256, pendingTransferId, pendingOffset, bornAtMillis, life);
  }

  static String hex(byte[] sha, boolean present) {
    return present ? HexFormat.of().formatHex(sha) : "";
  }
}
