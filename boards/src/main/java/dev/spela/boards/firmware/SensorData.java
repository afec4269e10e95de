package dev.spela.boards.firmware;

/**
 * Samples the firmware's sensor delivers, in order: {@code labels.length} samples of {@code
 * sampleBytes} unsigned pixels each, one after the other in {@code pixels}.
 */
public record SensorData(byte[] pixels, byte[] labels, int sampleBytes) {
  public SensorData {
    if (sampleBytes < 1 || pixels.length != (long) labels.length * sampleBytes) {
      throw new IllegalArgumentException(
          labels.length + " samples of " + sampleBytes + " bytes cannot be " + pixels.length);
    }
  }

  public int count() {
    return labels.length;
  }
}
