package dev.spela.train;

import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import java.util.Arrays;

/**
 * What 16-bit weights do to the fixed engine's learning over a long run, per layer and epoch (issue
 * 10, item 2; device-runtime/NUMERICS.md, "Long runs"): the weight exponent and how often the layer
 * was halved, the share of weight updates that rounded to zero and their mean size in LSBs, and
 * saturated values. Updates are sampled: every {@link #SAMPLE_EVERY}-th step is taken apart by
 * comparing the model image before and after it, which leaves the training itself untouched.
 *
 * <p>In a sampled step, a unit of layer k learned iff its bias changed (a bias update is {@code
 * 2^2f} times a weight's for the same input, so it never rounds to zero while the unit's
 * coefficient is non-zero), and weight (i, j) was meant to change iff unit j learned and input i
 * was non-zero: a non-zero pixel for layer 1, a unit of layer k-1 that was active (which learned)
 * for layer k. A layer halved during the step (its exponent changed) is left out of that sample,
 * and so is the layer after it.
 */
public final class FixedPrecision {

  /** Steps between two sampled ones (a prime, so no period of the data lines up with it). */
  public static final int SAMPLE_EVERY = 211;

  /**
   * One layer over one epoch.
   *
   * @param exponent the weight exponent at the end of the epoch (real weight = q * 2^exponent)
   * @param halvings how many times the layer was halved (its exponent raised) during the epoch
   * @param zeroShare the share of sampled weight updates that left the weight unchanged
   * @param meanChangeLsb the mean absolute change of a sampled weight update, in LSBs of q
   * @param sampledUpdates how many weight updates were sampled
   * @param saturatedWeights weights at the int16 limits (+-32767, -32768) at the end of the epoch
   * @param saturatedBiases biases at the image's limit (+-2^30) at the end of the epoch
   */
  public record Layer(int exponent, int halvings, double zeroShare, double meanChangeLsb, long sampledUpdates,
      int saturatedWeights, int saturatedBiases) {}

  private final int layers;
  private final int[] startExponent;
  private final long[] attempted;
  private final long[] unchanged;
  private final long[] changeSum;
  private byte[] before;

  public FixedPrecision(int layers) {
    this.layers = layers;
    this.startExponent = new int[layers];
    this.attempted = new long[layers];
    this.unchanged = new long[layers];
    this.changeSum = new long[layers];
    Arrays.fill(startExponent, Integer.MIN_VALUE);
  }

  /** Whether step {@code step} of the run is one to take apart. */
  public boolean samples(long step) {
    return step % SAMPLE_EVERY == 0;
  }

  /** The model before a sampled step. */
  public void before(byte[] image) {
    before = image;
    if (startExponent[0] == Integer.MIN_VALUE) {
      ModelImageDecoder decoder = new ModelImageDecoder().wrap(image, 0, image.length);
      for (int k = 0; k < layers; k++) {
        startExponent[k] = decoder.weightExponent(k);
      }
    }
  }

  /** The model after the sampled step, which trained on {@code pixels[offset..]}. */
  public void after(byte[] image, byte[] pixels, int offset) {
    ModelImageDecoder old = new ModelImageDecoder().wrap(before, 0, before.length);
    ModelImageDecoder now = new ModelImageDecoder().wrap(image, 0, image.length);
    boolean[] inputs = new boolean[now.inputSize()];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = pixels[offset + i] != 0;
    }
    boolean inputsKnown = true;
    for (int k = 0; k < layers; k++) {
      int out = now.outputs(k);
      boolean[] learned = new boolean[out];
      for (int j = 0; j < out; j++) {
        learned[j] = old.bias(k, j) != now.bias(k, j);
      }
      boolean halved = old.weightExponent(k) != now.weightExponent(k);
      if (inputsKnown && !halved && !now.frozen(k)) {
        count(k, old, now, inputs, learned);
      }
      inputs = learned;
      inputsKnown = !halved && !now.frozen(k);
    }
    before = null;
  }

  private void count(int k, ModelImageDecoder old, ModelImageDecoder now, boolean[] inputs, boolean[] learned) {
    int out = learned.length;
    for (int i = 0; i < inputs.length; i++) {
      if (!inputs[i]) {
        continue;
      }
      for (int j = 0; j < out; j++) {
        if (!learned[j]) {
          continue;
        }
        int index = i * out + j;
        int change = Math.abs(now.weight(k, index) - old.weight(k, index));
        attempted[k]++;
        changeSum[k] += change;
        if (change == 0) {
          unchanged[k]++;
        }
      }
    }
  }

  /** Each layer's figures since the last call (or the start), from {@code image}, the model now; resets the counts. */
  public Layer[] epoch(byte[] image) {
    ModelImageDecoder decoder = new ModelImageDecoder().wrap(image, 0, image.length);
    Layer[] result = new Layer[layers];
    for (int k = 0; k < layers; k++) {
      int exponent = decoder.weightExponent(k);
      int start = startExponent[k] == Integer.MIN_VALUE ? exponent : startExponent[k];
      int saturatedWeights = 0;
      int weights = decoder.inputs(k) * decoder.outputs(k);
      for (int i = 0; i < weights; i++) {
        int q = decoder.weight(k, i);
        if (q >= Short.MAX_VALUE || q == Short.MIN_VALUE) {
          saturatedWeights++;
        }
      }
      int saturatedBiases = 0;
      for (int j = 0; j < decoder.outputs(k); j++) {
        if (Math.abs((long) decoder.bias(k, j)) >= ModelImage.MAX_ABS_BIAS) {
          saturatedBiases++;
        }
      }
      result[k] = new Layer(exponent, exponent - start,
          attempted[k] == 0 ? 0 : (double) unchanged[k] / attempted[k],
          attempted[k] == 0 ? 0 : (double) changeSum[k] / attempted[k], attempted[k], saturatedWeights, saturatedBiases);
      startExponent[k] = exponent;
      attempted[k] = 0;
      unchanged[k] = 0;
      changeSum[k] = 0;
    }
    return result;
  }
}
