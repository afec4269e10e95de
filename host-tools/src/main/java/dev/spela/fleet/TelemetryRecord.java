package dev.spela.fleet;

import java.util.List;
import java.util.Locale;

/**
 * One DATA record as a collector stores it (PROTOCOL.md, DATA and section 9), keyed by {@code
 * (device, life, bootCount, recordCounter)}; {@code bdSeq} is the session it was sent in. The life
 * is the device's {@code lifeId} as text ({@link #life(long)}). Q15 / Q16 / Q24 fields are kept as
 * the integers sent.
 */
public record TelemetryRecord(
    String device,
    String group,
    String life,
    long bootCount,
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

  /** A life id as stored: 16 hexadecimal digits, or '' for none (0). */
  public static String life(long lifeId) {
    return lifeId == 0 ? "" : String.format(Locale.ROOT, "%016x", lifeId);
  }
}
