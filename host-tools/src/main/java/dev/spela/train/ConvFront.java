package dev.spela.train;

import java.util.SplittableRandom;

/**
 * A convolutional first stage for SPELA, as the paper suggests: {@code channels} filters of {@code
 * kernel x kernel} over a square one-channel image (stride 1, zero padding that keeps the size),
 * the network's activation, and SPELA's local loss on each channel's global average (a local loss
 * needs one vector per sample) against class vectors in R^channels. What the dense layers see is
 * each channel average-pooled over {@code pool x pool} tiles.
 *
 * <p>It learns per sample, as it loads a training sample, at the first dense layer's rate; a step
 * costs {@code 2 channels kernel^2 side^2} multiply-adds (forward and update), and a device would
 * need {@code channels side^2} activations at a time.
 */
public final class ConvFront {
  private final int side;
  private final int channels;
  private final int kernel;
  private final int pool;
  private final int classes;
  private final float[] w;
  private final float[] b;
  private final float[] priors;
  private final SpelaSettings settings;
  private final ThreadLocal<Scratch> scratch;
  private double lossSum;

  /**
   * @param priors {@code classes x channels} unit vectors, class-major
   * @throws IllegalArgumentException if the pool does not divide the image side
   */
  public ConvFront(int side, int channels, int kernel, int pool, int classes, float[] priors, SpelaSettings settings,
      long seed) {
    if (side < 1 || channels < 1 || kernel < 1 || kernel % 2 == 0 || pool < 1 || side % pool != 0) {
      throw new IllegalArgumentException("a convolution needs an odd kernel and a pool that divides the image side ("
          + side + "), got kernel " + kernel + " and pool " + pool);
    }
    if (priors.length != classes * channels) {
      throw new IllegalArgumentException("the convolution's class vectors must be " + classes + " x " + channels);
    }
    this.side = side;
    this.channels = channels;
    this.kernel = kernel;
    this.pool = pool;
    this.classes = classes;
    this.priors = priors;
    this.settings = settings;
    this.w = new float[channels * kernel * kernel];
    this.b = new float[channels];
    SplittableRandom random = new SplittableRandom(seed);
    double std = Math.sqrt(2.0 / (kernel * kernel));
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (random.nextGaussian() * std);
    }
    this.scratch = ThreadLocal.withInitial(Scratch::new);
  }

  /** Pixels per image. */
  public int inputSize() {
    return side * side;
  }

  /** Values handed to the first dense layer: every channel pooled. */
  public int outputs() {
    return channels * (side / pool) * (side / pool);
  }

  /** Multiply-adds of one training step (forward and weight update). */
  public long trainingMacs() {
    return 2L * channels * kernel * kernel * side * side;
  }

  /**
   * Runs sample {@code sample} through the convolution and writes the pooled maps into {@code x}
   * (divided by their norm if {@code normalise}), listing the non-zero values in {@code active};
   * then, if {@code rate} is not 0, takes one SGD step on the sample's local loss for class {@code
   * label}.
   *
   * @return how many values are non-zero
   */
  int load(Samples data, int sample, float[] x, int[] active, boolean normalise, int label, float rate) {
    Scratch s = scratch.get();
    byte[] pixels = data.pixels();
    int n = side * side;
    for (int i = 0; i < n; i++) {
      s.input[i] = (pixels[sample * n + i] & 0xFF) * (1f / 255f);
    }
    forward(s);
    if (rate != 0f) {
      train(s, label, rate);
    }
    int tiles = side / pool;
    float inverseArea = 1f / (pool * pool);
    for (int c = 0; c < channels; c++) {
      for (int ty = 0; ty < tiles; ty++) {
        for (int tx = 0; tx < tiles; tx++) {
          float sum = 0f;
          for (int y = ty * pool; y < (ty + 1) * pool; y++) {
            for (int xx = tx * pool; xx < (tx + 1) * pool; xx++) {
              sum += s.h[c * n + y * side + xx];
            }
          }
          x[(c * tiles + ty) * tiles + tx] = sum * inverseArea;
        }
      }
    }
    return Network.nextInput(x, x, active, normalise);
  }

  /** The summed local loss of the training steps since the last call; the sum starts again from 0. */
  public double takeLossSum() {
    double sum = lossSum;
    lossSum = 0;
    return sum;
  }

  private void forward(Scratch s) {
    int n = side * side;
    int r = kernel / 2;
    for (int c = 0; c < channels; c++) {
      java.util.Arrays.fill(s.z, c * n, (c + 1) * n, b[c]);
      for (int ky = 0; ky < kernel; ky++) {
        for (int kx = 0; kx < kernel; kx++) {
          float weight = w[(c * kernel + ky) * kernel + kx];
          int dy = ky - r;
          int dx = kx - r;
          int x0 = Math.max(0, -dx);
          int x1 = Math.min(side, side - dx);
          for (int y = Math.max(0, -dy); y < Math.min(side, side - dy); y++) {
            int out = c * n + y * side;
            int in = (y + dy) * side + dx;
            for (int x = x0; x < x1; x++) {
              s.z[out + x] += weight * s.input[in + x];
            }
          }
        }
      }
    }
    System.arraycopy(s.z, 0, s.h, 0, channels * n);
    settings.activation().apply(s.h, 0, channels * n);
    float inverseN = 1f / n;
    for (int c = 0; c < channels; c++) {
      float sum = 0f;
      for (int i = c * n; i < (c + 1) * n; i++) {
        sum += s.h[i];
      }
      s.gap[c] = sum * inverseN;
    }
  }

  /** One SGD step on the local loss of the channel averages; the gradient reaches each position through the average. */
  private void train(Scratch s, int label, float rate) {
    lossSum += s.local.prepare(settings, s.gap, channels, priors, classes, label);
    if (!s.local.update) {
      return;
    }
    // The average passes its gradient to every position unchanged, 1/n of it; slope 1 here, the
    // activation's derivative is applied per position below.
    s.local.write(s.gap, s.gapGradient, 0, channels, 1f);
    int n = side * side;
    int r = kernel / 2;
    float slope = settings.activation().slope();
    for (int c = 0; c < channels; c++) {
      float g = -rate * s.gapGradient[c] / n;
      float biasStep = 0f;
      for (int i = c * n; i < (c + 1) * n; i++) {
        float d = s.z[i] > 0f ? g : slope * g;
        s.delta[i] = d;
        biasStep += d;
      }
      b[c] += biasStep;
      for (int ky = 0; ky < kernel; ky++) {
        for (int kx = 0; kx < kernel; kx++) {
          int dy = ky - r;
          int dx = kx - r;
          int x0 = Math.max(0, -dx);
          int x1 = Math.min(side, side - dx);
          float step = 0f;
          for (int y = Math.max(0, -dy); y < Math.min(side, side - dy); y++) {
            int out = c * n + y * side;
            int in = (y + dy) * side + dx;
            for (int x = x0; x < x1; x++) {
              step += s.delta[out + x] * s.input[in + x];
            }
          }
          w[(c * kernel + ky) * kernel + kx] += step;
        }
      }
    }
  }

  /** One thread's buffers. */
  private final class Scratch {
    final float[] input = new float[side * side];
    final float[] z = new float[channels * side * side];
    final float[] h = new float[channels * side * side];
    final float[] delta = new float[channels * side * side];
    final float[] gap = new float[channels];
    final float[] gapGradient = new float[channels];
    final LocalGradient local = new LocalGradient(classes, channels, settings.loss() == LocalLoss.SOFTMAX);
  }
}
