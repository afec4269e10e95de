package dev.spela.train;

import dev.spela.priors.PriorMethod;
import java.util.Locale;

/**
 * SPELA(O): every layer learns from a local loss between its ReLU output and a fixed class vector
 * (prior) of its own, in one forward pass. Nothing flows backwards and no activation outlives its
 * layer's step, so a step is one matrix-vector product and one rank-1 update per layer.
 */
public final class SpelaNetwork extends Network {
  private final float[][] priors;
  private final LocalLoss loss;
  private Gradients gradients;

  /**
   * @param priors one array per layer, {@code classes * width} floats, class-major, unit rows
   */
  public SpelaNetwork(int[] sizes, int classes, float[][] priors, LocalLoss loss) {
    super(sizes, classes);
    if (priors.length != layers.length) {
      throw new IllegalArgumentException("one set of priors per layer is needed");
    }
    for (int k = 0; k < layers.length; k++) {
      if (priors[k].length != classes * layers[k].outputs()) {
        throw new IllegalArgumentException("layer " + (k + 1) + "'s priors do not have " + classes + " x " + layers[k].outputs() + " values");
      }
    }
    this.priors = priors;
    this.loss = loss;
  }

  /**
   * A network ready to train from {@code seed}: Kaiming-normal weights and zero biases drawn from
   * {@code seed}, and layer k's class vectors from {@code priors.generate(classes, width, seed + k)}
   * (k from 0). Every engine starts from this network, so the same seed gives them the same start.
   *
   * @throws IllegalArgumentException if a layer is too narrow to hold the class vectors
   */
  public static SpelaNetwork fresh(int[] sizes, int classes, PriorMethod priors, LocalLoss loss, long seed) {
    for (int k = 1; k < sizes.length; k++) {
      // C evenly spread unit vectors (a regular simplex) need C - 1 dimensions.
      if (sizes[k] < classes - 1) {
        throw new IllegalArgumentException(String.format(Locale.ROOT,
            "layer %d has %d units, too few to hold %d class vectors (it needs at least %d)",
            k, sizes[k], classes, classes - 1));
      }
    }
    float[][] classVectors = new float[sizes.length - 1][];
    for (int k = 0; k < classVectors.length; k++) {
      classVectors[k] = priors.generate(classes, sizes[k + 1], seed + k).toFloatArray();
    }
    SpelaNetwork network = new SpelaNetwork(sizes, classes, classVectors, loss);
    network.initialise(seed);
    return network;
  }

  public float[][] priors() {
    return priors;
  }

  public LocalLoss loss() {
    return loss;
  }

  @Override
  public String algorithm() {
    return "spela";
  }

  @Override
  public int answeringLayers() {
    return layers.length;
  }

  @Override
  protected boolean normalisesLayerInputs() {
    return true;
  }

  @Override
  protected boolean rectifies(int k) {
    return true;
  }

  @Override
  protected int predict(int k, float[] h) {
    return argmaxDot(h, priors[k], classes);
  }

  @Override
  public void trainBatch(
      Samples data, int[] order, int from, int count, float learningRate, ParallelRanges pool, double[] lossSums) {
    Batch batch = loadBatch(data, order, from, count);
    Gradients gradients = gradients(count);
    float scale = -learningRate / count;
    for (int k = 0; k < layers.length; k++) {
      int layerIndex = k;
      DenseLayer layer = layers[k];
      forward(batch, k, count, pool);
      for (int s = 0; s < count; s++) {
        lossSums[k] += prepareGradient(k, s, batch, gradients);
      }
      if (k + 1 < layers.length) {
        passOn(batch, k, count);
      }
      pool.run(layer.outputs(), (worker, lo, hi) -> {
        for (int s = 0; s < count; s++) {
          if (gradient(layerIndex, s, batch, gradients, lo, hi)) {
            layer.update(batch.x[layerIndex][s], batch.active[layerIndex][s], batch.activeCount[layerIndex][s],
                gradients.g[s], scale, lo, hi);
          }
        }
      });
    }
  }

  /**
   * Computes sample {@code s}'s per-sample scalars of the local gradient at layer {@code k} (serially,
   * so that the sums do not depend on the thread split) and returns its loss.
   */
  private double prepareGradient(int k, int s, Batch batch, Gradients buffers) {
    float[] h = batch.h[k][s];
    float[] v = priors[k];
    int offset = batch.label[s] * h.length;
    double sumSquares = 0;
    double dot = 0;
    for (int j = 0; j < h.length; j++) {
      sumSquares += (double) h[j] * h[j];
      dot += (double) h[j] * v[offset + j];
    }
    if (loss == LocalLoss.EUCLIDEAN) {
      buffers.update[s] = true;
      return 0.5 * (sumSquares - 2 * dot + 1.0);
    }
    if (sumSquares == 0) {
      // A dead layer output has no direction: the cosine and its gradient are undefined.
      buffers.update[s] = false;
      return 0;
    }
    double norm = Math.sqrt(sumSquares);
    double cos = dot / norm;
    buffers.update[s] = true;
    buffers.inverseNorm[s] = (float) (1.0 / norm);
    buffers.cosOverNormSquared[s] = (float) (cos / sumSquares);
    return -cos;
  }

  /** Writes the gradient with respect to z for outputs {@code [lo, hi)}; false if there is nothing to learn. */
  private boolean gradient(int k, int s, Batch batch, Gradients buffers, int lo, int hi) {
    if (!buffers.update[s]) {
      return false;
    }
    float[] h = batch.h[k][s];
    float[] g = buffers.g[s];
    float[] v = priors[k];
    int offset = batch.label[s] * h.length;
    if (loss == LocalLoss.EUCLIDEAN) {
      for (int j = lo; j < hi; j++) {
        g[j] = h[j] > 0f ? h[j] - v[offset + j] : 0f;
      }
    } else {
      // d(-cos)/dh = -(v / n - (h.v) h / n^3) = -v / n + (cos / n^2) h; ReLU passes it where h > 0.
      float inverseNorm = buffers.inverseNorm[s];
      float c = buffers.cosOverNormSquared[s];
      for (int j = lo; j < hi; j++) {
        g[j] = h[j] > 0f ? c * h[j] - inverseNorm * v[offset + j] : 0f;
      }
    }
    return true;
  }

  private Gradients gradients(int count) {
    if (gradients == null || gradients.update.length < count) {
      gradients = new Gradients(count);
    }
    return gradients;
  }

  /** Per-sample gradient buffers and scalars of one batch, reused from step to step. */
  private final class Gradients {
    final float[][] g;
    final boolean[] update;
    final float[] inverseNorm;
    final float[] cosOverNormSquared;

    Gradients(int size) {
      int widest = 0;
      for (DenseLayer layer : layers) {
        widest = Math.max(widest, layer.outputs());
      }
      g = new float[size][widest];
      update = new boolean[size];
      inverseNorm = new float[size];
      cosOverNormSquared = new float[size];
    }
  }
}
