package dev.spela.train;

/**
 * The baseline: a ReLU MLP with a softmax cross-entropy output, trained by backpropagation and
 * SGD on the same data pipeline, shuffling and kernels as SPELA. Its last layer's width is the
 * class count and only that layer answers.
 */
public final class BackpropNetwork extends Network {
  private float[][][] gradients;

  public BackpropNetwork(int[] sizes, int classes) {
    super(sizes, classes);
    if (sizes[sizes.length - 1] != classes) {
      throw new IllegalArgumentException(
          "backpropagation's last layer must have one unit per class (" + classes + "), not " + sizes[sizes.length - 1]);
    }
  }

  @Override
  public String algorithm() {
    return "bp";
  }

  @Override
  public int answeringLayers() {
    return 1;
  }

  @Override
  protected boolean normalisesInput(int k) {
    return false;
  }

  @Override
  protected Activation activation(int k) {
    return k < layers.length - 1 ? Activation.RELU : null;
  }

  @Override
  protected int predict(int k, float[] h, double[] scores) {
    if (k < layers.length - 1) {
      return -1;
    }
    int best = 0;
    for (int c = 1; c < h.length; c++) {
      if (h[c] > h[best]) {
        best = c;
      }
    }
    return best;
  }

  @Override
  public void trainBatch(Samples data, int[] order, int from, int count, LearningRates rates, long step,
      ParallelRanges pool, double[] lossSums) {
    Batch batch = loadBatch(data, order, from, count);
    float[][][] g = gradients(count);
    int last = layers.length - 1;
    for (int k = 0; k <= last; k++) {
      forward(batch, k, count, pool);
      if (k < last) {
        passOn(batch, k, count);
      }
    }
    for (int s = 0; s < count; s++) {
      lossSums[0] += softmaxCrossEntropy(batch.h[last][s], batch.label[s], g[last][s]);
    }
    for (int k = last; k >= 0; k--) {
      int layerIndex = k;
      DenseLayer layer = layers[k];
      float scale = rates.stepScale(k, step, count);
      if (k > 0) {
        // The gradient for the layer below uses this layer's weights before their update.
        pool.run(layer.inputs(), (worker, lo, hi) -> {
          for (int s = 0; s < count; s++) {
            float[] below = g[layerIndex - 1][s];
            float[] input = batch.x[layerIndex][s];
            layer.backward(g[layerIndex][s], below, lo, hi);
            for (int i = lo; i < hi; i++) {
              if (input[i] <= 0f) {
                below[i] = 0f;
              }
            }
          }
        });
      }
      if (scale == 0f) {
        continue; // a frozen layer
      }
      pool.run(layer.outputs(), (worker, lo, hi) -> {
        for (int s = 0; s < count; s++) {
          layer.update(batch.x[layerIndex][s], batch.active[layerIndex][s], batch.activeCount[layerIndex][s],
              g[layerIndex][s], scale, lo, hi);
        }
      });
    }
  }

  /** Writes softmax(logits) - onehot(label) into {@code g} and returns the cross-entropy. */
  static double softmaxCrossEntropy(float[] logits, int label, float[] g) {
    float max = Float.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (int c = 0; c < logits.length; c++) {
      sum += Math.exp(logits[c] - max);
    }
    for (int c = 0; c < logits.length; c++) {
      g[c] = (float) (Math.exp(logits[c] - max) / sum) - (c == label ? 1f : 0f);
    }
    return Math.log(sum) - (logits[label] - max);
  }

  /** Gradients with respect to every layer's pre-activations, per sample: backpropagation keeps them all. */
  private float[][][] gradients(int count) {
    if (gradients == null || gradients[0].length < count) {
      gradients = new float[layers.length][count][];
      for (int k = 0; k < layers.length; k++) {
        for (int s = 0; s < count; s++) {
          gradients[k][s] = new float[layers[k].outputs()];
        }
      }
    }
    return gradients;
  }
}
