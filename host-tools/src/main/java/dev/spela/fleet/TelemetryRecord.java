package dev.spela.fleet;

import java.util.List;

/**
 * One DATA record as a collector stores it (PROTOCOL.md, DATA and "Telemetry storage"), keyed by
 * {@code (device, bdSeq, recordCounter)}. Q15 / Q16 / Q24 fields are kept as the integers sent.
 */
public record TelemetryRecord(
    String device,
    String group,
    long bdSeq,
    long recordCounter,
    int trainingState,
    long deviceTimeMs,
    long samplesSeen,
    long epoch,
    long stepMicros,
    long ramUsed,
    int learningRateQ24,
    List<Layer> layers) {

  /** One layer's window: accuracy and loss Q15, weight norm Q16. */
  public record Layer(int accuracyQ15, int lossQ15, long weightNormQ16) {
    public double accuracy() {
      return accuracyQ15 / 32768.0;
    }

    public double loss() {
      return lossQ15 / 32768.0;
    }

    public double weightNorm() {
      return weightNormQ16 / 65536.0;
    }
  }

  /** The idempotency key within one device: session and record number. */
  public long key() {
    return bdSeq << 32 | recordCounter;
  }
}
