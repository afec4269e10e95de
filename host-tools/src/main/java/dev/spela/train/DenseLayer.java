package dev.spela.train;

import java.util.SplittableRandom;

/**
 * A dense layer in float32 with its kernels. Weights are stored input-major, {@code w[i * out +
 * j]}, so that both the forward pass and the rank-1 update are axpy loops over a contiguous row of
 * outputs per input: the JIT vectorises them, and inputs that are zero (most MNIST pixels, many
 * ReLU outputs) are skipped whole.
 *
 * <p>Every kernel works on an output slice {@code [from, to)} so that threads can share a layer
 * without sharing a cache line of results.
 */
public final class DenseLayer {
  private final int in;
  private final int out;
  private final float[] w;
  private final float[] b;
  /**
   * The weights the forward pass (and backpropagation's backward pass) use: {@link #w} itself, or
   * with binarised weights {@code ±scale} by the sign of {@link #w}, which then holds the latent
   * real-valued weights the updates go to (BinaryConnect).
   */
  private float[] used;
  private float binaryScale;

  public DenseLayer(int in, int out) {
    this(in, out, new float[in * out], new float[out]);
  }

  DenseLayer(int in, int out, float[] weights, float[] biases) {
    if (weights.length != in * out || biases.length != out) {
      throw new IllegalArgumentException("weights and biases do not match a " + in + "x" + out + " layer");
    }
    this.in = in;
    this.out = out;
    this.w = weights;
    this.b = biases;
    this.used = weights;
  }

  /**
   * Kaiming weights of variance 2/in, the ReLU initialisation the paper's norms imply, normal or
   * (as the authors' code) uniform on [-sqrt(6/in), sqrt(6/in)]; zero biases.
   */
  void initialise(SplittableRandom random, boolean uniform) {
    double std = Math.sqrt(2.0 / in);
    double bound = Math.sqrt(3) * std;
    for (int k = 0; k < w.length; k++) {
      w[k] = (float) (uniform ? (2 * random.nextDouble() - 1) * bound : random.nextGaussian() * std);
    }
    java.util.Arrays.fill(b, 0f);
    if (used != w) {
      binarise();
    }
  }

  /**
   * From now on the layer computes with {@code ±sqrt(2/in)} by the sign of each weight, its Kaiming
   * scale, and keeps the real-valued weights, clipped to that scale, only to accumulate updates.
   */
  void binarise() {
    binaryScale = (float) Math.sqrt(2.0 / in);
    if (used == w) {
      used = new float[w.length];
    }
    for (int k = 0; k < w.length; k++) {
      w[k] = Math.max(-binaryScale, Math.min(binaryScale, w[k]));
      used[k] = w[k] >= 0f ? binaryScale : -binaryScale;
    }
  }

  public boolean binarised() {
    return used != w;
  }

  public int inputs() {
    return in;
  }

  public int outputs() {
    return out;
  }

  /** The (latent, if binarised) weights, input-major; shared, not copied. */
  public float[] weights() {
    return w;
  }

  public float[] biases() {
    return b;
  }

  /** {@code z[from..to) = b + sum over the listed inputs of x[i] * w[i][..]}. */
  void forward(float[] x, int[] active, int activeCount, float[] z, int from, int to) {
    float[] u = used;
    System.arraycopy(b, from, z, from, to - from);
    int t = 0;
    // Four input rows per pass: a quarter of the loads and stores of z.
    for (; t + 4 <= activeCount; t += 4) {
      int i0 = active[t];
      int i1 = active[t + 1];
      int i2 = active[t + 2];
      int i3 = active[t + 3];
      float x0 = x[i0];
      float x1 = x[i1];
      float x2 = x[i2];
      float x3 = x[i3];
      int r0 = i0 * out;
      int r1 = i1 * out;
      int r2 = i2 * out;
      int r3 = i3 * out;
      for (int j = from; j < to; j++) {
        z[j] += x0 * u[r0 + j] + x1 * u[r1 + j] + x2 * u[r2 + j] + x3 * u[r3 + j];
      }
    }
    for (; t < activeCount; t++) {
      int i = active[t];
      float xi = x[i];
      int row = i * out;
      for (int j = from; j < to; j++) {
        z[j] += xi * u[row + j];
      }
    }
  }

  /** {@code w[i][from..to) += scale * x[i] * g[from..to)} for the listed inputs, and the biases. */
  void update(float[] x, int[] active, int activeCount, float[] g, float scale, int from, int to) {
    for (int t = 0; t < activeCount; t++) {
      int i = active[t];
      float a = scale * x[i];
      int row = i * out;
      if (used == w) {
        for (int j = from; j < to; j++) {
          w[row + j] += a * g[j];
        }
      } else {
        updateLatentRow(row, a, g, from, to);
      }
    }
    for (int j = from; j < to; j++) {
      b[j] += scale * g[j];
    }
  }

  /**
   * BinaryConnect's update of one input row: add, clip to the scale, and refresh the sign copy in
   * the same pass. {@code copySign(scale, v + 0)} equals {@code v >= 0 ? scale : -scale} (adding
   * zero turns -0 into +0) without that choice's branch, which mispredicted on about every other
   * weight and made binarised training five times slower (docs/results.md 8.9).
   */
  private void updateLatentRow(int row, float a, float[] g, int from, int to) {
    float bound = binaryScale;
    for (int j = from; j < to; j++) {
      int k = row + j;
      float v = Math.max(-bound, Math.min(bound, w[k] + a * g[j]));
      w[k] = v;
      used[k] = Math.copySign(bound, v + 0f);
    }
  }

  /** {@code dx[i] = sum_j w[i][j] * g[j]} for inputs {@code i} in {@code [from, to)}: backpropagation only. */
  void backward(float[] g, float[] dx, int from, int to) {
    for (int i = from; i < to; i++) {
      int row = i * out;
      float sum = 0f;
      for (int j = 0; j < out; j++) {
        sum += used[row + j] * g[j];
      }
      dx[i] = sum;
    }
  }

  /** The Frobenius norm of the weights, for reports. */
  public double weightNorm() {
    double sum = 0;
    for (float v : w) {
      sum += (double) v * v;
    }
    return Math.sqrt(sum);
  }
}
