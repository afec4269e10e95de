package dev.spela.train;

import java.util.SplittableRandom;

/**
 * A feed-forward stack of dense layers trained by some rule. Subclasses say how a batch trains and
 * which layers answer; this class holds the layers and the inference path shared by every rule.
 */
public abstract class Network implements Engine {
  protected final DenseLayer[] layers;
  protected final int classes;
  private Preprocessing preprocessing = Preprocessing.NONE;
  private Batch batch;
  private Inference[] inference = new Inference[0];

  protected Network(int[] sizes, int classes) {
    if (sizes.length < 2) {
      throw new IllegalArgumentException("a network needs an input size and at least one layer");
    }
    this.layers = new DenseLayer[sizes.length - 1];
    for (int k = 0; k < layers.length; k++) {
      layers[k] = new DenseLayer(sizes[k], sizes[k + 1]);
    }
    this.classes = classes;
  }

  /** Kaiming-normal weights and zero biases, drawn from {@code seed}: same seed, same network. */
  public void initialise(long seed) {
    initialise(seed, false);
  }

  /** Kaiming weights (normal, or uniform as in the paper's code) and zero biases, drawn from {@code seed}. */
  public void initialise(long seed, boolean uniform) {
    SplittableRandom random = new SplittableRandom(seed);
    for (DenseLayer layer : layers) {
      layer.initialise(random, uniform);
    }
  }

  /** What the pixels go through before the first layer ({@link Preprocessing#NONE} unless set). */
  public Preprocessing preprocessing() {
    return preprocessing;
  }

  public void preprocessing(Preprocessing preprocessing) {
    if (preprocessing.kind() != Preprocessing.Kind.NONE && preprocessing.offset().length != inputSize()) {
      throw new IllegalArgumentException("the preprocessing has " + preprocessing.offset().length
          + " inputs, the network " + inputSize());
    }
    this.preprocessing = preprocessing;
  }

  /** Every layer computes with binarised weights from now on (the paper's ±1 ablation). */
  public void binariseWeights() {
    for (DenseLayer layer : layers) {
      layer.binarise();
    }
  }

  public DenseLayer[] layers() {
    return layers;
  }

  public int classes() {
    return classes;
  }

  @Override
  public int inputSize() {
    return layers[0].inputs();
  }

  @Override
  public String engine() {
    return "float";
  }

  @Override
  public int trainingThreads(ParallelRanges pool) {
    return pool.threads();
  }

  /** The training rule's name, as the CLI spells it. */
  public abstract String algorithm();

  /**
   * The samples are split across the pool's threads, each with its own inference buffers. Networks
   * that {@link #combines()} also count, at each layer, the class with the largest sum of cosines
   * over that layer and the ones before it.
   */
  @Override
  public Accuracy accuracy(Samples data, ParallelRanges pool) {
    if (inference.length < pool.threads()) {
      inference = new Inference[pool.threads()];
      for (int w = 0; w < inference.length; w++) {
        inference[w] = new Inference();
      }
    }
    int answering = answeringLayers();
    int counted = combines() ? 2 * answering : answering;
    int[][] correct = new int[pool.threads()][counted];
    pool.run(data.count(), (worker, from, to) -> {
      int[] predictions = new int[counted];
      for (int sample = from; sample < to; sample++) {
        inference[worker].run(data, sample, predictions);
        for (int k = 0; k < counted; k++) {
          if (predictions[k] == data.label(sample)) {
            correct[worker][k]++;
          }
        }
      }
    });
    double[] fractions = Trainer.fractions(correct, data.count());
    if (!combines()) {
      return new Accuracy(fractions, null);
    }
    return new Accuracy(java.util.Arrays.copyOf(fractions, answering),
        java.util.Arrays.copyOfRange(fractions, answering, counted));
  }

  /** Whether layer {@code k}'s input is divided by its norm (SPELA) or used as it is (backpropagation). */
  protected abstract boolean normalisesInput(int k);

  /** Layer {@code k}'s activation, or null for none (backpropagation's output layer). */
  protected abstract Activation activation(int k);

  /** Whether every layer answers and their cosines can be summed into a combined answer. */
  protected boolean combines() {
    return false;
  }

  /**
   * The class that layer {@code k}'s output {@code h} predicts, or -1 if that layer does not
   * answer; a network that {@link #combines()} adds each class's cosine with {@code h} to {@code
   * scores}.
   */
  protected abstract int predict(int k, float[] h, double[] scores);

  /** Buffers for inference on one thread. */
  private final class Inference {
    private final float[][] x = new float[layers.length][];
    private final int[][] active = new int[layers.length][];
    private final float[][] h = new float[layers.length][];
    private final double[] scores = new double[classes];

    private Inference() {
      for (int k = 0; k < layers.length; k++) {
        x[k] = new float[layers[k].inputs()];
        active[k] = new int[layers[k].inputs()];
        h[k] = new float[layers[k].outputs()];
      }
    }

    /**
     * Runs sample {@code sample} and writes each answering layer's predicted class into {@code
     * predictions}, followed by the combined predictions if the network {@link #combines()}.
     */
    void run(Samples data, int sample, int[] predictions) {
      int activeCount = input(data, sample, x[0], active[0], -1);
      int answering = answeringLayers();
      java.util.Arrays.fill(scores, 0);
      int answer = 0;
      for (int k = 0; k < layers.length; k++) {
        DenseLayer layer = layers[k];
        layer.forward(x[k], active[k], activeCount, h[k], 0, layer.outputs());
        Activation activation = activation(k);
        if (activation != null) {
          activation.apply(h[k], 0, layer.outputs());
        }
        int predicted = predict(k, h[k], scores);
        if (predicted >= 0) {
          if (combines()) {
            predictions[answering + answer] = argmax(scores);
          }
          predictions[answer++] = predicted;
        }
        if (k + 1 < layers.length) {
          activeCount = nextInput(h[k], x[k + 1], active[k + 1], normalisesInput(k + 1));
        }
      }
    }
  }

  /** Loads samples {@code order[from..from+count)} as the first layer's inputs of a reusable batch. */
  protected Batch loadBatch(Samples data, int[] order, int from, int count) {
    if (batch == null || batch.label.length < count) {
      batch = new Batch(count);
    }
    load(batch, data, order, from, count);
    return batch;
  }

  /** A batch's buffers for up to {@code size} samples. */
  protected Batch newBatch(int size) {
    return new Batch(size);
  }

  /** Loads samples {@code order[from..from+count)} as the first layer's inputs of {@code batch}. */
  protected void load(Batch batch, Samples data, int[] order, int from, int count) {
    for (int s = 0; s < count; s++) {
      int sample = order[from + s];
      batch.label[s] = data.label(sample);
      batch.activeCount[0][s] = input(data, sample, batch.x[0][s], batch.active[0][s], batch.label[s]);
    }
  }

  /**
   * Writes sample {@code sample}'s input to the first layer into {@code x}, lists the non-zero
   * values in {@code active} and returns their count. {@code label} is the sample's class when it is
   * loaded for training (a network with a learning front end learns from it), else -1.
   */
  protected int input(Samples data, int sample, float[] x, int[] active, int label) {
    return preprocessing.load(data, sample, x, active, normalisesInput(0));
  }

  /** Layer {@code k}'s forward pass for the first {@code count} samples of the batch, split by outputs. */
  protected void forward(Batch batch, int k, int count, ParallelRanges pool) {
    DenseLayer layer = layers[k];
    Activation activation = activation(k);
    pool.run(layer.outputs(), (worker, lo, hi) -> {
      for (int s = 0; s < count; s++) {
        float[] h = batch.h[k][s];
        layer.forward(batch.x[k][s], batch.active[k][s], batch.activeCount[k][s], h, lo, hi);
        if (activation != null) {
          activation.apply(h, lo, hi);
        }
      }
    });
  }

  /** Hands layer {@code k}'s outputs to layer {@code k + 1} as its inputs. */
  protected void passOn(Batch batch, int k, int count) {
    for (int s = 0; s < count; s++) {
      batch.activeCount[k + 1][s] =
          nextInput(batch.h[k][s], batch.x[k + 1][s], batch.active[k + 1][s], normalisesInput(k + 1));
    }
  }

  /** Per-sample inputs and outputs of every layer for one batch, reused from step to step. */
  protected final class Batch {
    final int[] label;
    final float[][][] x;
    final int[][][] active;
    final int[][] activeCount;
    final float[][][] h;

    private Batch(int size) {
      label = new int[size];
      x = new float[layers.length][size][];
      active = new int[layers.length][size][];
      activeCount = new int[layers.length][size];
      h = new float[layers.length][size][];
      for (int k = 0; k < layers.length; k++) {
        for (int s = 0; s < size; s++) {
          x[k][s] = new float[layers[k].inputs()];
          active[k][s] = new int[layers[k].inputs()];
          h[k][s] = new float[layers[k].outputs()];
        }
      }
    }
  }

  static int argmax(double[] values) {
    int best = 0;
    for (int c = 1; c < values.length; c++) {
      if (values[c] > values[best]) {
        best = c;
      }
    }
    return best;
  }

  /** Copies a layer's output into the next layer's input (normalised or not), listing the non-zero entries. */
  static int nextInput(float[] h, float[] x, int[] active, boolean normalise) {
    double sumSquares = 0;
    int count = 0;
    for (int i = 0; i < h.length; i++) {
      float v = h[i];
      if (v != 0f) {
        active[count++] = i;
        sumSquares += (double) v * v;
      }
    }
    float scale = normalise && count > 0 ? (float) (1.0 / Math.sqrt(sumSquares)) : 1f;
    for (int i = 0; i < h.length; i++) {
      x[i] = h[i] * scale;
    }
    return count;
  }

  /** The index of the largest dot product of {@code h} with the rows of {@code vectors}. */
  static int argmaxDot(float[] h, float[] vectors, int rows) {
    int dim = h.length;
    int best = 0;
    double bestDot = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < rows; c++) {
      double dot = dot(h, vectors, c * dim);
      if (dot > bestDot) {
        bestDot = dot;
        best = c;
      }
    }
    return best;
  }

  static double dot(float[] h, float[] vectors, int offset) {
    float sum = 0f;
    for (int j = 0; j < h.length; j++) {
      sum += h[j] * vectors[offset + j];
    }
    return sum;
  }
}
