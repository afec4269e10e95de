package dev.spela.train;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.runtime.MemoryPlan;
import dev.spela.runtime.RuntimeStatus;
import dev.spela.runtime.SpelaRuntime;

/**
 * The device runtime ({@link SpelaRuntime}, integer SPELA) as a training engine on the host: it
 * trains one sample at a time on the calling thread, exactly as a device would, and evaluates with
 * one runtime per pool thread, each loaded from the same image (a runtime's scratch buffers are its
 * own, so runtimes cannot be shared between threads). The images stay in byte arrays, which the
 * runtimes read in place as a device reads its flash (frozen layers' weights at every step).
 */
public final class FixedEngine implements Engine {
  private static final double Q15_ONE = ModelImage.Q15_ONE;
  private static final double SMALLEST_RATE = 1.0 / ModelImage.MAX_LEARNING_RATE;

  private final SpelaRuntime runtime;
  /** Evaluation runtimes of workers 1 and up; worker 0 (the calling thread) uses {@link #runtime}. */
  private SpelaRuntime[] evaluators = new SpelaRuntime[0];
  /** Takes sampled steps apart, or null when the run does not measure them. */
  private FixedPrecision precision;

  /**
   * Loads {@code image} into a runtime sized for it.
   *
   * @throws IllegalArgumentException naming the {@link ImageStatus} if the image is invalid
   */
  public FixedEngine(byte[] image) {
    this.runtime = hostRuntime(image);
  }

  /**
   * A runtime sized for the image's model and loaded with it, keeping the priors in RAM: a host has
   * RAM to spare and reads them at every step (a device reads them from flash).
   */
  private static SpelaRuntime hostRuntime(byte[] image) {
    MemoryPlan plan = new MemoryPlan();
    int status = plan.setFromImage(new ArrayFlash(image), 0, image.length);
    if (status != ImageStatus.OK) {
      throw new IllegalArgumentException("not a valid model image: " + ImageStatus.name(status));
    }
    plan.setPriorsInRam(true);
    SpelaRuntime runtime = new SpelaRuntime(plan);
    check(runtime.load(new ArrayFlash(image), 0, image.length), "load the image");
    return runtime;
  }

  /** The real learning rate {@code rate} as the runtime's Q24 value, rounded to nearest. */
  public static int learningRateQ24(double rate) {
    double q = Math.rint(rate * ModelImage.MAX_LEARNING_RATE);
    if (!(q >= 1 && q <= ModelImage.MAX_LEARNING_RATE)) {
      throw new IllegalArgumentException(
          "the fixed-point learning rate must be between 2^-24 and 1.0, got " + rate);
    }
    return (int) q;
  }

  /** From now on, measure what 16-bit weights do to the updates ({@link #precision()}). */
  public void measurePrecision() {
    precision = new FixedPrecision(runtime.layers());
  }

  /** Each layer's precision figures since the last call, or null if not measuring. */
  public FixedPrecision.Layer[] precision() {
    return precision == null ? null : precision.epoch(image());
  }

  /** Each layer's weight Frobenius norm (real weights, q * 2^exponent). */
  public double[] weightNorms() {
    double[] norms = new double[runtime.layers()];
    for (int k = 0; k < norms.length; k++) {
      norms[k] = runtime.weightNormQ16(k) / 65536.0;
    }
    return norms;
  }

  /** The runtime that trains; its state is the engine's model. */
  public SpelaRuntime runtime() {
    return runtime;
  }

  /** The current model and training state as a v1 image. */
  public byte[] image() {
    byte[] image = new byte[runtime.imageSize()];
    check(runtime.writeImage(new ArrayFlash(image), 0), "write the image");
    return image;
  }

  @Override
  public String engine() {
    return "fixed";
  }

  @Override
  public int inputSize() {
    return runtime.inputSize();
  }

  @Override
  public int answeringLayers() {
    return runtime.layers();
  }

  /**
   * One sample per step, as on a device: {@code count} must be 1, and every layer has the same
   * rate, which may change from step to step (a schedule).
   */
  @Override
  public void trainBatch(Samples data, int[] order, int from, int count, LearningRates rates, long step,
      ParallelRanges pool, double[] lossSums) {
    if (count != 1) {
      throw new IllegalArgumentException("the fixed engine trains one sample at a time, not batches of " + count);
    }
    float learningRate = rates.rate(0, step);
    for (int k = 1; k < runtime.layers(); k++) {
      if (rates.rate(k, step) != learningRate) {
        throw new IllegalArgumentException("the fixed engine trains every layer at the same rate");
      }
    }
    // An image with a cosine schedule decays the rate itself, as a device fine-tuning alone does.
    // Otherwise the host sets the rate per step as a device could, and a schedule's rate that
    // decays below the image's smallest (2^-24) trains at that smallest rate.
    int rate = learningRate < SMALLEST_RATE ? 1 : learningRateQ24(learningRate);
    if (runtime.scheduleKind() == ModelImage.SCHEDULE_CONSTANT && rate != runtime.learningRate()) {
      check(runtime.setLearningRate(rate), "set the learning rate");
    }
    int sample = order[from];
    boolean sampled = precision != null && precision.samples(step);
    if (sampled) {
      precision.before(image());
    }
    check(runtime.train(data.pixels(), sample * data.inputSize(), data.label(sample)), "train");
    if (sampled) {
      precision.after(image(), data.pixels(), sample * data.inputSize());
    }
    for (int k = 0; k < lossSums.length; k++) {
      lossSums[k] += runtime.layerLoss(k) / Q15_ONE;
    }
  }

  /**
   * Runs every sample through all layers once; each layer's prediction of that pass counts for
   * that layer, and its combined prediction (the sum of the cosines of the layers up to it) for the
   * combined accuracy.
   */
  @Override
  public Accuracy accuracy(Samples data, ParallelRanges pool) {
    prepareEvaluators(pool.threads());
    int layers = runtime.layers();
    int last = layers - 1;
    int inputs = data.inputSize();
    int[][] correct = new int[pool.threads()][layers];
    int[][] combined = new int[pool.threads()][layers];
    pool.run(data.count(), (worker, from, to) -> {
      SpelaRuntime evaluator = worker == 0 ? runtime : evaluators[worker - 1];
      for (int sample = from; sample < to; sample++) {
        check(evaluator.predict(data.pixels(), sample * inputs, last), "predict");
        for (int k = 0; k < layers; k++) {
          if (evaluator.layerPrediction(k) == data.label(sample)) {
            correct[worker][k]++;
          }
          if (evaluator.layerCombinedPrediction(k) == data.label(sample)) {
            combined[worker][k]++;
          }
        }
      }
    });
    return new Accuracy(Trainer.fractions(correct, data.count()), Trainer.fractions(combined, data.count()));
  }

  /** Loads the current model into one evaluation runtime per extra thread. */
  private void prepareEvaluators(int threads) {
    if (threads < 2) {
      return;
    }
    byte[] image = image();
    if (evaluators.length < threads - 1) {
      evaluators = new SpelaRuntime[threads - 1];
    }
    for (int w = 0; w < threads - 1; w++) {
      // Each evaluator reads priors from the image while it runs: this copy stays as it is.
      if (evaluators[w] == null) {
        evaluators[w] = hostRuntime(image);
      } else {
        check(evaluators[w].load(new ArrayFlash(image), 0, image.length), "load the image for evaluation");
      }
    }
  }

  @Override
  public int trainingThreads(ParallelRanges pool) {
    return 1;
  }

  private static void check(int status, String what) {
    if (status < 0) {
      throw new IllegalStateException("the fixed-point runtime could not " + what + ": " + RuntimeStatus.name(status));
    }
  }
}
