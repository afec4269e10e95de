package dev.spela.train;

import dev.spela.priors.PriorMethod;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * SPELA(O): every layer learns from a local loss between its output and fixed class vectors
 * (priors) of its own, in one forward pass. Nothing flows backwards and no activation outlives its
 * layer's step, so a step is one matrix-vector product and one rank-1 update per layer. How a layer
 * computes and learns (activation, loss, input normalisation) is in its {@link SpelaSettings}.
 */
public final class SpelaNetwork extends Network {
  private final float[][] priors;
  private final SpelaSettings settings;
  /** Layers {@code [0, rawInputLayers)} came from a backpropagation network: raw inputs, ReLU, no answer. */
  private int rawInputLayers;
  /** A convolutional stage before the first dense layer, or null. */
  private ConvFront front;
  /** The front's rate for the samples being loaded: the first layer's at the current step. */
  private float frontRate;
  private Gradients gradients;

  /**
   * @param priors one array per layer, {@code classes * width} floats, class-major, unit rows
   */
  public SpelaNetwork(int[] sizes, int classes, float[][] priors, LocalLoss loss) {
    this(sizes, classes, priors, SpelaSettings.withLoss(loss));
  }

  /**
   * @param priors one array per layer, {@code classes * width} floats, class-major, unit rows
   */
  public SpelaNetwork(int[] sizes, int classes, float[][] priors, SpelaSettings settings) {
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
    this.settings = settings;
  }

  /**
   * A network ready to train from {@code seed}: Kaiming-normal weights and zero biases drawn from
   * {@code seed}, and layer k's class vectors from {@code priors.generate(classes, width, seed + k)}
   * (k from 0). Every engine starts from this network, so the same seed gives them the same start.
   *
   * @throws IllegalArgumentException if a layer is too narrow to hold the class vectors
   */
  public static SpelaNetwork fresh(int[] sizes, int classes, PriorMethod priors, LocalLoss loss, long seed) {
    return fresh(sizes, classes, priors, SpelaSettings.withLoss(loss), seed);
  }

  /** As {@link #fresh(int[], int, PriorMethod, LocalLoss, long)}, with {@code settings}. */
  public static SpelaNetwork fresh(int[] sizes, int classes, PriorMethod priors, SpelaSettings settings, long seed) {
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
    SpelaNetwork network = new SpelaNetwork(sizes, classes, classVectors, settings);
    network.initialise(seed, settings.uniformInit());
    return network;
  }

  public float[][] priors() {
    return priors;
  }

  public LocalLoss loss() {
    return settings.loss();
  }

  public SpelaSettings settings() {
    return settings;
  }

  /**
   * Marks the first {@code count} layers as taken from a backpropagation network (see {@link
   * Transfer}): they take their input as it is, use ReLU and do not answer in combined predictions.
   * They should be frozen: their class vectors mean nothing.
   */
  public void rawInputLayers(int count) {
    this.rawInputLayers = count;
  }

  public int rawInputLayers() {
    return rawInputLayers;
  }

  /** Puts a convolutional stage before the first dense layer, whose inputs must be its outputs. */
  public void front(ConvFront convolution) {
    if (convolution.outputs() != layers[0].inputs()) {
      throw new IllegalArgumentException("the convolution gives " + convolution.outputs() + " values but layer 1 takes "
          + layers[0].inputs());
    }
    if (preprocessing().kind() != Preprocessing.Kind.NONE) {
      throw new IllegalArgumentException("a convolution takes the pixels as they are: no preprocessing");
    }
    this.front = convolution;
  }

  public ConvFront front() {
    return front;
  }

  @Override
  public int inputSize() {
    return front != null ? front.inputSize() : super.inputSize();
  }

  @Override
  protected int input(Samples data, int sample, float[] x, int[] active, int label) {
    if (front == null) {
      return super.input(data, sample, x, active, label);
    }
    return front.load(data, sample, x, active, normalisesInput(0), label, label >= 0 ? frontRate : 0f);
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
  protected boolean normalisesInput(int k) {
    return k >= rawInputLayers && settings.normaliseInputs();
  }

  @Override
  protected Activation activation(int k) {
    return k < rawInputLayers ? Activation.RELU : settings.activation();
  }

  @Override
  protected boolean combines() {
    return true;
  }

  /** The class whose vector is closest to {@code h}; adds every class's cosine with {@code h} to {@code scores}. */
  @Override
  protected int predict(int k, float[] h, double[] scores) {
    int best = argmaxDot(h, priors[k], classes);
    if (k < rawInputLayers) {
      return best;
    }
    double sumSquares = 0;
    for (float v : h) {
      sumSquares += (double) v * v;
    }
    if (sumSquares > 0) {
      double inverseNorm = 1 / Math.sqrt(sumSquares);
      for (int c = 0; c < classes; c++) {
        scores[c] += dot(h, priors[k], c * h.length) * inverseNorm;
      }
    }
    return best;
  }

  @Override
  public void trainBatch(Samples data, int[] order, int from, int count, LearningRates rates, long step,
      ParallelRanges pool, double[] lossSums) {
    frontRate = rates.rate(0, step);
    Batch batch = loadBatch(data, order, from, count);
    Gradients gradients = gradients(count);
    int last = lastTrainingLayer(rates, step);
    for (int k = 0; k <= last; k++) {
      trainLayer(k, batch, gradients, count, rates, step, last, pool, lossSums);
    }
  }

  /** The last layer with a non-zero rate at {@code step} (-1 if none): later layers need not run. */
  private int lastTrainingLayer(LearningRates rates, long step) {
    for (int k = layers.length - 1; k >= 0; k--) {
      if (rates.rate(k, step) != 0f) {
        return k;
      }
    }
    return -1;
  }

  /**
   * Layer {@code k}'s step on a loaded batch: forward, local gradient, hand-on to layer k+1 (unless
   * {@code k} is the last layer that trains), update (unless the layer is frozen at this step).
   */
  private void trainLayer(int k, Batch batch, Gradients gradients, int count, LearningRates rates, long step,
      int lastTraining, ParallelRanges pool, double[] lossSums) {
    DenseLayer layer = layers[k];
    float scale = rates.stepScale(k, step, count);
    forward(batch, k, count, pool);
    if (scale != 0f) {
      for (int s = 0; s < count; s++) {
        lossSums[k] += prepareGradient(k, s, batch, gradients);
      }
    }
    if (k < lastTraining) {
      passOn(batch, k, count);
    }
    if (scale == 0f) {
      return;
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
  public void trainEpoch(Samples data, int[] order, int batchSize, LearningRates rates, long firstStep,
      ParallelRanges pool, double[] lossSums, IntConsumer progressed) {
    int stages = Math.min(pool.threads(), layers.length);
    if (stages < 2) {
      Engine.trainInTurn(this, data, order, batchSize, rates, firstStep, pool, lossSums, progressed);
      return;
    }
    new Pipeline(stages, data, order, batchSize, rates, firstStep, lossSums, progressed).run();
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
    private final LearningRates rates;
    private final long firstStep;
    private final double[] lossSums;
    private final IntConsumer progressed;
    private final Slot[] slots = new Slot[DEPTH];
    private volatile Throwable failure;

    Pipeline(int stages, Samples data, int[] order, int batchSize, LearningRates rates, long firstStep,
        double[] lossSums, IntConsumer progressed) {
      this.stages = stages;
      this.data = data;
      this.order = order;
      this.batchSize = batchSize;
      this.rates = rates;
      this.firstStep = firstStep;
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
          long step = firstStep + b;
          int lastTraining = lastTrainingLayer(rates, step);
          if (stage == 0) {
            frontRate = rates.rate(0, step);
            load(slot.batch, data, order, from, count);
          }
          for (int k = firstLayer; k < Math.min(endLayer, lastTraining + 1); k++) {
            trainLayer(k, slot.batch, slot.gradients, count, rates, step, lastTraining, serial, lossSums);
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
   * Computes sample {@code s}'s per-sample part of the local gradient at layer {@code k} (serially,
   * so that the sums do not depend on the thread split) and returns its loss.
   */
  private double prepareGradient(int k, int s, Batch batch, Gradients buffers) {
    return buffers.local[s].prepare(settings, batch.h[k][s], layers[k].outputs(), priors[k], classes, batch.label[s]);
  }

  /** Writes the gradient with respect to z for outputs {@code [lo, hi)}; false if there is nothing to learn. */
  private boolean gradient(int k, int s, Batch batch, Gradients buffers, int lo, int hi) {
    LocalGradient local = buffers.local[s];
    if (!local.update) {
      return false;
    }
    local.write(batch.h[k][s], buffers.g[s], lo, hi, activation(k).slope());
    return true;
  }

  private Gradients gradients(int count) {
    if (gradients == null || gradients.local.length < count) {
      gradients = new Gradients(count);
    }
    return gradients;
  }

  /** Per-sample gradient buffers and scalars of one batch, reused from step to step. */
  private final class Gradients {
    final float[][] g;
    final LocalGradient[] local;

    Gradients(int size) {
      int widest = 0;
      for (DenseLayer layer : layers) {
        widest = Math.max(widest, layer.outputs());
      }
      g = new float[size][widest];
      local = new LocalGradient[size];
      for (int s = 0; s < size; s++) {
        local[s] = new LocalGradient(classes, widest, settings.loss() == LocalLoss.SOFTMAX);
      }
    }
  }
}
