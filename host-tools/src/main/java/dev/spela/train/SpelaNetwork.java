package dev.spela.train;

import java.util.function.IntConsumer;

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
    for (int k = 0; k < layers.length; k++) {
      trainLayer(k, batch, gradients, count, learningRate, pool, lossSums);
    }
  }

  /** Layer {@code k}'s step on a loaded batch: forward, local gradient, hand-on to layer k+1, update. */
  private void trainLayer(int k, Batch batch, Gradients gradients, int count, float learningRate, ParallelRanges pool,
      double[] lossSums) {
    DenseLayer layer = layers[k];
    float scale = -learningRate / count;
    forward(batch, k, count, pool);
    for (int s = 0; s < count; s++) {
      lossSums[k] += prepareGradient(k, s, batch, gradients);
    }
    if (k + 1 < layers.length) {
      passOn(batch, k, count);
    }
    pool.run(layer.outputs(), (worker, lo, hi) -> {
      for (int s = 0; s < count; s++) {
        if (gradient(k, s, batch, gradients, lo, hi)) {
          layer.update(batch.x[k][s], batch.active[k][s], batch.activeCount[k][s], gradients.g[s], scale, lo, hi);
        }
      }
    });
  }

  /**
   * With two or more threads the layers are a pipeline: each thread owns a run of layers and takes
   * the batches one after the other, as soon as the thread before it has handed on the batch's
   * input to its first layer. No layer's step depends on a later layer (there is no backward
   * pass), so every layer sees exactly the inputs and weights it would see batch after batch: the
   * result is the same as on one thread. Splitting a step's units across threads instead does not
   * pay: a per-sample step is too short.
   */
  @Override
  public void trainEpoch(Samples data, int[] order, int batchSize, float learningRate, ParallelRanges pool,
      double[] lossSums, IntConsumer progressed) {
    int stages = Math.min(pool.threads(), layers.length);
    if (stages < 2) {
      Engine.trainInTurn(this, data, order, batchSize, learningRate, pool, lossSums, progressed);
      return;
    }
    new Pipeline(stages, data, order, batchSize, learningRate, lossSums, progressed).run();
  }

  @Override
  public int trainingThreads(ParallelRanges pool) {
    return Math.min(pool.threads(), layers.length);
  }

  /** One epoch as a pipeline of layer runs, each on its own thread, batches passed on through a ring of slots. */
  private final class Pipeline {
    /** Batches in flight at once: enough that a stage rarely waits for a free slot. */
    private static final int DEPTH = 8;
    private static final int SPINS_BEFORE_YIELD = 1 << 12;

    private final int stages;
    private final Samples data;
    private final int[] order;
    private final int batchSize;
    private final float learningRate;
    private final double[] lossSums;
    private final IntConsumer progressed;
    private final Slot[] slots = new Slot[DEPTH];
    private volatile Throwable failure;

    Pipeline(int stages, Samples data, int[] order, int batchSize, float learningRate, double[] lossSums,
        IntConsumer progressed) {
      this.stages = stages;
      this.data = data;
      this.order = order;
      this.batchSize = batchSize;
      this.learningRate = learningRate;
      this.lossSums = lossSums;
      this.progressed = progressed;
      for (int i = 0; i < DEPTH; i++) {
        slots[i] = new Slot(newBatch(batchSize), new Gradients(batchSize));
      }
    }

    void run() {
      Thread[] threads = new Thread[stages - 1];
      for (int stage = 1; stage < stages; stage++) {
        int mine = stage;
        threads[stage - 1] = new Thread(() -> runStage(mine), "spela-layers-" + stage);
        threads[stage - 1].start();
      }
      runStage(0);
      for (Thread thread : threads) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while training", e);
        }
      }
      if (failure != null) {
        throw new IllegalStateException("a training thread failed: " + failure, failure);
      }
    }

    /** Stage {@code stage} trains layers {@code [stage * L / stages, (stage + 1) * L / stages)} on every batch. */
    private void runStage(int stage) {
      int firstLayer = stage * layers.length / stages;
      int endLayer = (stage + 1) * layers.length / stages;
      try (ParallelRanges serial = new ParallelRanges(1)) {
        for (int b = 0, from = 0; from < order.length; b++, from += batchSize) {
          int count = Math.min(batchSize, order.length - from);
          Slot slot = slots[b % DEPTH];
          // A slot's stages take their turns in order, use after use.
          long turn = (long) (b / DEPTH) * stages + stage;
          if (!awaitTurn(slot, turn)) {
            return;
          }
          if (stage == 0) {
            load(slot.batch, data, order, from, count);
          }
          for (int k = firstLayer; k < endLayer; k++) {
            trainLayer(k, slot.batch, slot.gradients, count, learningRate, serial, lossSums);
          }
          slot.turn = turn + 1;
          if (stage == stages - 1) {
            progressed.accept(count);
          }
        }
      } catch (Throwable t) {
        failure = t;
      }
    }

    private boolean awaitTurn(Slot slot, long turn) {
      int spins = 0;
      while (slot.turn != turn) {
        if (failure != null) {
          return false;
        }
        if (++spins < SPINS_BEFORE_YIELD) {
          Thread.onSpinWait();
        } else {
          Thread.yield();
        }
      }
      return true;
    }
  }

  /** One batch in flight: its activations and gradients, and whose turn it is. */
  private static final class Slot {
    final Batch batch;
    final Gradients gradients;
    volatile long turn;

    Slot(Batch batch, Gradients gradients) {
      this.batch = batch;
      this.gradients = gradients;
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
