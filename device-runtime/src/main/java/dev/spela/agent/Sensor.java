package dev.spela.agent;

/**
 * The agent's data port: labelled samples to learn from, and held-out samples (never trained on)
 * for the self-test of a new image and for evaluation. A sample is {@link #inputSize} unsigned
 * bytes; the sensor copies it into the caller's buffer and returns its label (or a negative status
 * if it cannot).
 */
public interface Sensor {

  int inputSize();

  /** Training samples available; the agent trains on them in order, epoch after epoch. */
  int trainingCount();

  int heldOutCount();

  /** Copies training sample {@code index} to {@code dst[offset..]}; returns its label. */
  int readTraining(int index, byte[] dst, int offset);

  /** Copies held-out sample {@code index} to {@code dst[offset..]}; returns its label. */
  int readHeldOut(int index, byte[] dst, int offset);
}
