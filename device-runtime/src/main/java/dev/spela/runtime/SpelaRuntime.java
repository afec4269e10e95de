package dev.spela.runtime;

import static dev.spela.runtime.Arena.*;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.protocols.image.ModelImageEncoder;
import dev.spela.protocols.image.ModelImageWriter;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;
import dev.spela.protocols.subset.InitPhase;
import dev.spela.protocols.subset.SteadyState;
import dev.spela.runtime.kernels.DenseKernels;
import dev.spela.runtime.kernels.InputStatistics;
import dev.spela.runtime.kernels.RateSchedule;
import dev.spela.runtime.kernels.Softmax;

/**
 * Fixed-point SPELA on a fixed arena: load a model image from flash, train one sample at a time,
 * predict at any layer or with early exit, write the trained state back as an image. Every buffer
 * is allocated by the constructor from a {@link MemoryPlan} (the capacity); no other method
 * allocates or throws on bad input — they return {@link RuntimeStatus} / {@link ImageStatus} codes.
 * Not thread-safe.
 *
 * <p>The image stays where it is: the runtime reads it in place through a {@link FlashRegion} (the
 * board's flash, or a byte array through {@code ArrayFlash} on a host), copies into RAM only what
 * training writes, and reads every layer's priors and frozen layers' weights from the image a row
 * at a time while it runs. So the image a model was loaded from must stay unchanged until another
 * is loaded, or until {@link #rebase} moves the model to an image this runtime wrote.
 *
 * <p>Numbers: see device-runtime/NUMERICS.md. Cosines and losses are Q15 ints (32768 = 1.0), the
 * learning rate is Q24 (16777216 = 1.0).
 */
@SteadyState
public final class SpelaRuntime {

  private static final int PIXEL_SHIFT = 7;
  private static final int COEFFICIENT_BITS = 14;

  /**
   * A scan that finds the largest |weight q| above 3/4 of 2^14 halves the layer at once, so that
   * the next scan is at least 2^12 of growth away (NUMERICS.md, "Renormalisation").
   */
  private static final int HALVE_ABOVE = 3 << 12;

  /** 24 (learning rate) + 15 (update direction) fraction bits, see NUMERICS.md. */
  private static final int UPDATE_SCALE_BITS = ModelImage.LEARNING_RATE_FRAC_BITS + 15;

  private final MemoryPlan capacity = new MemoryPlan();
  private MemoryPlan model = new MemoryPlan();
  private MemoryPlan candidate = new MemoryPlan();
  private final Arena arena;
  private final ImageBinding image;

  /**
   * A frozen layer's input pair, packed (read from flash for each active pair); in a trainable
   * layer's update with {@link #updateLiveOutputsOnly}, its live outputs.
   */
  private final int[] frozenRow;

  /** Whether input-major updates run over the live outputs only ({@link #updateLiveOutputsOnly}). */
  private boolean liveOutputsOnly;

  /** The prior of the class being compared, read from flash. */
  private short[] priorRow;

  /** The label's prior, kept from the comparison for the update. */
  private short[] labelPrior;

  private boolean loaded;
  private int learningRate;
  private int earlyExitMargin;
  private int roundingMode;
  private int lossKind;
  private int inverseTemperature;
  private int flags;
  private int scheduleKind;
  private int scheduleSteps;

  /** The rate of the step being taken: the learning rate, or the schedule's at this step. */
  private int stepRate;

  private long seed;
  private long samplesSeen;
  private int exitLayer = -1;
  private int readStatus;

  /** Allocates the arena and buffers for the largest model this runtime will ever hold. */
  public SpelaRuntime(MemoryPlan capacity) {
    this.capacity.copyFrom(capacity);
    arena = new Arena(this.capacity);
    image = new ImageBinding(this.capacity, arena);
    frozenRow = new int[this.capacity.maxOutputs()];
    priorRow = new short[this.capacity.maxOutputs()];
    labelPrior = new short[this.capacity.maxOutputs()];
  }

  /**
   * Makes the updates of input-major layers skip the outputs whose coefficient is zero (the ReLU
   * units that are off, about half): the same weights, bit for bit, and the same random state
   * ({@link DenseKernels#updateLive}), in about half the instructions on a core without vector
   * units (the firmware). A vectorising JIT runs the dense rows faster, so hosts leave it off.
   */
  public void updateLiveOutputsOnly() {
    liveOutputsOnly = true;
  }

  /**
   * Convenience for hosts: a runtime whose capacity is exactly the model of the image at {@code
   * region[offset, offset + length)}, loaded from it; null if the image is invalid.
   */
  @InitPhase
  public static SpelaRuntime forImage(FlashRegion region, int offset, int length) {
    MemoryPlan plan = new MemoryPlan();
    if (plan.setFromImage(region, offset, length) != ImageStatus.OK) {
      return null;
    }
    SpelaRuntime runtime = new SpelaRuntime(plan);
    return runtime.load(region, offset, length) == ImageStatus.OK ? runtime : null;
  }

  // ------------------------------------------------------------------ loading and saving

  /**
   * Validates the image at {@code region[offset, offset + length)} in one streaming pass, then
   * (only if valid and within capacity) replaces the current model by it: the arena receives its
   * biases and trainable weights; priors and frozen weights stay in the image, which must stay
   * unchanged while this model runs.
   *
   * @return {@link ImageStatus#OK} or the first failed check, and nothing changes; or {@link
   *     ImageStatus#READ_FAILED} if the flash failed while unpacking (then no model is loaded)
   */
  public int load(FlashRegion region, int offset, int length) {
    int status = image.check(region, offset, length, candidate);
    if (status != ImageStatus.OK) {
      return status;
    }
    MemoryPlan previous = model;
    model = candidate;
    candidate = previous;
    loaded = false;
    status = image.bind(model);
    if (status != ImageStatus.OK) {
      return status;
    }
    ModelImageDecoder header = image.decoder();
    learningRate = header.learningRate();
    earlyExitMargin = header.earlyExitMargin();
    roundingMode = header.roundingMode();
    lossKind = header.lossKind();
    inverseTemperature = header.inverseTemperature();
    flags = header.flags();
    scheduleKind = header.scheduleKind();
    scheduleSteps = header.scheduleSteps();
    seed = header.rngSeed();
    samplesSeen = header.samplesSeen();
    fillNoise();
    clearResults();
    exitLayer = -1;
    readStatus = ImageStatus.OK;
    loaded = true;
    return ImageStatus.OK;
  }

  /**
   * Validates the image at {@code region[offset, offset + length)} as {@link #load} would, and
   * checks that it fits this runtime's capacity, without touching the model in use.
   *
   * @return {@link ImageStatus#OK}, the first failed check, or {@link ImageStatus#DOES_NOT_FIT}
   */
  public int validate(FlashRegion region, int offset, int length) {
    return image.check(region, offset, length, candidate);
  }

  /**
   * The length the image at {@code region[offset..]} declares, limited to the region (a longer
   * declaration then validates as TRUNCATED), or a negative status: {@link ImageStatus#BAD_MAGIC}
   * when no image starts there (an erased slot).
   */
  public int imageLengthAt(FlashRegion region, int offset) {
    return image.declaredLength(region, offset);
  }

  /**
   * The SHA-256 of the whole image last loaded or validated, its digest included (the name an
   * over-the-air transfer gives it), to {@code out[offset..]}; false (nothing copied) if that
   * failed before its digest was checked.
   */
  public boolean loadedImageSha256(byte[] out, int offset) {
    return image.wholeImageSha256(out, offset);
  }

  /** Exact size of the image {@link #writeImage} writes, or {@link RuntimeStatus#NO_MODEL}. */
  public int imageSize() {
    if (!loaded) {
      return RuntimeStatus.NO_MODEL;
    }
    return ModelImage.imageSize(
        model.inputSize(), model.classes(), model.outputsArray(), model.layers(), flags);
  }

  /**
   * Writes the current model and training state as a v1 image (canonical layout) to {@code
   * target[offset..]}, streamed through one buffer, the SHA-256 computed on the way. The target
   * bytes must be erased and must not overlap the image the model reads from.
   *
   * @return the number of bytes written, or a negative status: {@link RuntimeStatus#NO_MODEL},
   *     {@link RuntimeStatus#BUFFER_TOO_SMALL} (the image does not fit the target there), a {@link
   *     FlashStatus} of a failed write or read
   */
  public int writeImage(FlashRegion target, int offset) {
    int size = imageSize();
    if (size < 0) {
      return size;
    }
    ModelImageWriter writer = image.writer();
    int begun =
        writer.begin(
            target,
            offset,
            model.inputSize(),
            model.classes(),
            model.outputsArray(),
            model.layers(),
            flags);
    if (begun < 0) {
      return RuntimeStatus.BUFFER_TOO_SMALL;
    }
    ModelImageEncoder header = writer.header();
    header
        .learningRate(learningRate)
        .earlyExitMargin(earlyExitMargin)
        .roundingMode(roundingMode)
        .loss(lossKind, inverseTemperature)
        .schedule(scheduleKind, scheduleSteps)
        .rngSeed(seed)
        .samplesSeen(samplesSeen);
    for (int k = 0; k < model.layers(); k++) {
      header.layerFormat(
          k,
          arena.info(k, WEIGHT_EXPONENT),
          arena.info(k, INPUT_FRAC_BITS),
          arena.info(k, FROZEN) != 0);
    }
    int status = image.writeSections(model);
    int finished = writer.finish();
    if (status == FlashStatus.OK) {
      status = finished;
    }
    return status == FlashStatus.OK ? size : status;
  }

  /**
   * Moves the model to the image at {@code region[offset, offset + length)}, which must hold the
   * model's constant sections byte for byte (same shape, priors and frozen weights): a checkpoint
   * this runtime wrote, or the image a loaded checkpoint was trained from. From then on the priors
   * and frozen weights are read from there, so the image the model was loaded from may be erased (a
   * device that loaded a checkpoint moves back to its slot before overwriting it). The new image
   * must be one that was validated, or written by this runtime.
   *
   * @return {@link ImageStatus#OK}; {@link RuntimeStatus#DIFFERENT_IMAGE} if its constant sections
   *     differ (nothing changes); {@link ImageStatus#READ_FAILED}; {@link RuntimeStatus#NO_MODEL}
   */
  public int rebase(FlashRegion region, int offset, int length) {
    return loaded ? image.rebase(region, offset, length, model) : RuntimeStatus.NO_MODEL;
  }

  // ------------------------------------------------------------------ training and inference

  /**
   * One SPELA training step on one sample: every layer normalises its input, computes its output,
   * records its prediction, cosine and loss, and (unless frozen) updates itself from its own cosine
   * loss; its output (computed before the update) feeds the next layer.
   *
   * @param pixels {@code inputSize} unsigned bytes from {@code offset}
   */
  public int train(byte[] pixels, int offset, int label) {
    int status = checkInput(pixels, offset);
    if (status != RuntimeStatus.OK) {
      return status;
    }
    if (label < 0 || label >= model.classes()) {
      return RuntimeStatus.BAD_LABEL;
    }
    int rng = stepRandomState();
    stepRate = scheduledRate();
    loadInput(pixels, offset);
    for (int k = 0; k < model.layers(); k++) {
      rng = runLayer(k, label, rng);
    }
    samplesSeen++;
    return readStatus;
  }

  /**
   * The class layer {@code layer} predicts (layers 0 .. layer run; with the image's {@link
   * ModelImage#FLAG_COMBINED_PREDICTION}, from the sum of their cosines), or a negative status.
   */
  public int predict(byte[] pixels, int offset, int layer) {
    int status = checkInput(pixels, offset);
    if (status != RuntimeStatus.OK) {
      return status;
    }
    if (layer < 0 || layer >= model.layers()) {
      return RuntimeStatus.BAD_LAYER;
    }
    loadInput(pixels, offset);
    for (int k = 0; k <= layer; k++) {
      runLayer(k, -1, 0);
    }
    exitLayer = layer;
    return readStatus != ImageStatus.OK ? readStatus : answer(layer);
  }

  /**
   * Layer k's answer: its own prediction, or with {@link ModelImage#FLAG_COMBINED_PREDICTION} the
   * combined prediction of layers 0..k.
   */
  private int answer(int k) {
    return arena.result(k, combines() ? COMBINED_PREDICTED : PREDICTED);
  }

  private boolean combines() {
    return (flags & ModelImage.FLAG_COMBINED_PREDICTION) != 0;
  }

  /**
   * Whether layer k is sure enough to answer early: its best cosine leads the runner-up by the
   * margin; combined, the best sum of k + 1 layers' cosines leads by k + 1 margins.
   */
  private boolean confident(int k) {
    if (combines()) {
      long lead = (long) arena.result(k, COMBINED_BEST) - arena.result(k, COMBINED_SECOND);
      return lead >= (long) earlyExitMargin * (k + 1);
    }
    return arena.result(k, BEST_COSINE) - arena.result(k, SECOND_COSINE) >= earlyExitMargin;
  }

  /**
   * The class from the first layer whose best cosine beats its second best by at least the
   * early-exit margin, else from the last layer; {@link #exitLayer()} tells which layer answered.
   * With the image's {@link ModelImage#FLAG_COMBINED_PREDICTION}, layer k answers with the combined
   * prediction of layers 0..k, once its best sum of cosines leads by k + 1 margins.
   */
  public int predictEarlyExit(byte[] pixels, int offset) {
    int status = checkInput(pixels, offset);
    if (status != RuntimeStatus.OK) {
      return status;
    }
    loadInput(pixels, offset);
    int last = model.layers() - 1;
    for (int k = 0; k < last; k++) {
      runLayer(k, -1, 0);
      if (confident(k)) {
        exitLayer = k;
        return readStatus != ImageStatus.OK ? readStatus : answer(k);
      }
    }
    runLayer(last, -1, 0);
    exitLayer = last;
    return readStatus != ImageStatus.OK ? readStatus : answer(last);
  }

  /**
   * The rate of the step about to be taken (step {@code samplesSeen}): the learning rate, or under
   * the image's cosine schedule that rate decayed along it (0 once the schedule has ended: the step
   * then updates nothing).
   */
  private int scheduledRate() {
    return scheduleKind == ModelImage.SCHEDULE_COSINE
        ? RateSchedule.cosine(learningRate, samplesSeen, scheduleSteps)
        : learningRate;
  }

  /**
   * Checks a step's input, and clears the read status: a flash read that fails during the step sets
   * it, and the step returns it.
   */
  private int checkInput(byte[] pixels, int offset) {
    readStatus = ImageStatus.OK;
    if (!loaded) {
      return RuntimeStatus.NO_MODEL;
    }
    if (pixels == null || offset < 0 || offset > pixels.length - model.inputSize()) {
      return RuntimeStatus.BAD_INPUT;
    }
    return RuntimeStatus.OK;
  }

  private void loadInput(byte[] pixels, int offset) {
    int[] vector = arena.vector;
    int n = model.inputSize();
    if (image.hasInputStatistics()) {
      readFailed(image.preprocess(pixels, offset, n, vector));
      return;
    }
    // the firmware's loop shape (NUMERICS.md, "Kernels on the firmware"); checkInput made the
    // early return impossible
    int vectorLength = vector.length;
    int pixelsLength = pixels.length;
    if (n > vectorLength || offset < 0 || offset > pixelsLength - n) {
      return;
    }
    for (int i = 0; i < n; i++) {
      int at = offset + i;
      if (i > -1 && at > -1 && i < vectorLength && at < pixelsLength) {
        vector[i] = (pixels[at] & 0xFF) << PIXEL_SHIFT;
      }
    }
  }

  /**
   * Runs layer k on {@code arena.vector} (its raw input), leaves the scaled output there, records
   * the layer's results and, if {@code label >= 0} and the layer is not frozen, updates it.
   *
   * @return the advanced random state
   */
  private int runLayer(int k, int label, int rng) {
    int in = arena.info(k, INPUTS);
    int out = arena.info(k, OUTPUTS);
    int firstRow = arena.info(k, FIRST_ROW);
    int biasOffset = arena.info(k, BIAS_OFFSET);
    int frac = arena.info(k, INPUT_FRAC_BITS);
    int[] vector = arena.vector;
    int[] acc = arena.accumulator;
    if (DenseKernels.normalise(vector, in, arena.normalised, frac) == 0) {
      for (int j = 0; j < out; j++) {
        vector[j] = 0;
      }
      setResults(k, 0, 0, 0, 0);
      recordCombined(k, true);
      return rng;
    }
    int pairs = DenseKernels.pairs(in);
    // Preprocessed inputs may be negative: the first layer then finds its non-zero inputs and
    // their largest magnitude with the signed kernels.
    boolean signed = k == 0 && image.hasInputStatistics();
    int active = 0;
    int maxInput = 0;
    if (arena.info(k, FROZEN) != 0) {
      forwardFromFlash(k, pairs, out, biasOffset, signed);
    } else if (capacity.outputMajor(k)) {
      DenseKernels.forwardOutputMajor(
          arena.weights, firstRow, pairs, out, arena.normalised, arena.biases, biasOffset, acc);
      if (label >= 0) {
        maxInput =
            signed
                ? InputStatistics.largestMagnitude(arena.normalised, pairs)
                : DenseKernels.largestInput(arena.normalised, pairs);
      }
    } else {
      active =
          signed
              ? InputStatistics.nonZeroPairs(arena.normalised, pairs, arena.activePairs)
              : DenseKernels.activePairs(arena.normalised, pairs, arena.activePairs);
      maxInput =
          DenseKernels.forward(
              arena.weights,
              firstRow,
              arena.activePairs,
              active,
              out,
              arena.normalised,
              arena.biases,
              biasOffset,
              acc);
      if (signed && label >= 0) {
        maxInput = InputStatistics.largestMagnitude(arena.normalised, pairs);
      }
    }
    int outputShift = DenseKernels.reluScaled(acc, out, vector);
    if (outputShift == DenseKernels.NO_ACTIVITY) {
      setResults(k, 0, 0, 0, 0);
      recordCombined(k, true);
      return rng;
    }
    int norm = DenseKernels.norm(vector, out);
    long reciprocal = DenseKernels.reciprocal(norm);
    int best = -1;
    int bestCosine = Integer.MIN_VALUE;
    int secondCosine = Integer.MIN_VALUE;
    int labelCosine = 0;
    boolean priorsInRam = capacity.priorsInRam();
    int priorOffset = arena.info(k, PRIOR_OFFSET);
    for (int c = 0; c < model.classes(); c++) {
      int cosine;
      if (priorsInRam) {
        cosine = DenseKernels.cosine(vector, out, reciprocal, arena.priors, priorOffset + c * out);
      } else {
        readFailed(image.readPrior(k, c, priorRow));
        cosine = DenseKernels.cosine(vector, out, reciprocal, priorRow, 0);
      }
      arena.classScores[c] = k == 0 ? cosine : arena.classScores[c] + cosine;
      if (cosine > bestCosine) {
        secondCosine = bestCosine;
        bestCosine = cosine;
        best = c;
      } else if (cosine > secondCosine) {
        secondCosine = cosine;
      }
      if (c == label) {
        labelCosine = cosine;
        short[] kept = labelPrior;
        labelPrior = priorRow;
        priorRow = kept;
      }
    }
    setResults(k, best, bestCosine, secondCosine, label < 0 ? 0 : -labelCosine);
    recordCombined(k, false);
    if (label < 0 || arena.info(k, FROZEN) != 0 || stepRate == 0) {
      return rng;
    }
    int maxDirection;
    long rate = stepRate;
    if (lossKind == ModelImage.LOSS_SOFTMAX) {
      maxDirection = softmaxDirection(k, out, reciprocal, norm, bestCosine, label);
      // The softmax's gradient carries 1 / T (NUMERICS.md, "Softmax over cosines").
      rate = ((long) stepRate * inverseTemperature + (1 << 7)) >> 8;
    } else {
      maxDirection =
          priorsInRam
              ? DenseKernels.direction(
                  acc, vector, out, norm, arena.priors, priorOffset + label * out, labelCosine)
              : DenseKernels.direction(acc, vector, out, norm, labelPrior, 0, labelCosine);
    }
    if (maxDirection == 0) {
      return rng;
    }
    return updateLayer(
        k,
        rate,
        pairs,
        active,
        out,
        firstRow,
        biasOffset,
        frac,
        maxInput,
        outputShift,
        norm,
        maxDirection,
        rng);
  }

  /**
   * The softmax loss's update direction of layer k in the accumulator (NUMERICS.md, "Softmax over
   * cosines"): with p the softmax of the cosines times 1 / T and e = p - onehot(label), the target
   * {@code t = sum_c e_c v_c} and {@code w = sum_c e_c cos_c}, {@code D_j = (w u_j >> 15) - t_j} on
   * active units. The class vectors are compared again (from RAM or flash) instead of keeping every
   * cosine: three passes of {@code classes x out} multiply-adds, a few percent of a step.
   *
   * @return the largest |D_j| (at most 2^17)
   */
  private int softmaxDirection(int k, int out, long reciprocal, int norm, int bestCosine, int label) {
    int classes = model.classes();
    int[] vector = arena.vector;
    int[] target = arena.noiseWindow; // free until the update fills it
    int sum = 0;
    for (int c = 0; c < classes; c++) {
      sum += Softmax.exponential(classCosine(k, c, out, reciprocal) - bestCosine, inverseTemperature);
    }
    if (sum <= 0) {
      return 0; // never: the best class's term is 2^15; shows the subset check the division is safe
    }
    for (int j = 0; j < out; j++) {
      target[j] = 0;
    }
    long weighted = 0;
    for (int c = 0; c < classes; c++) {
      int cosine = classCosine(k, c, out, reciprocal);
      int p = (int) (((long) Softmax.exponential(cosine - bestCosine, inverseTemperature) << 15) / sum);
      int error = c == label ? p - ModelImage.Q15_ONE : p;
      weighted += (long) error * cosine;
      short[] prior = capacity.priorsInRam() ? arena.priors : priorRow;
      int offset = capacity.priorsInRam() ? arena.info(k, PRIOR_OFFSET) + c * out : 0;
      Softmax.accumulate(target, out, error, prior, offset);
    }
    int w = (int) ((weighted + (1 << 14)) >> 15);
    return Softmax.direction(arena.accumulator, vector, out, norm, target, w);
  }

  /** Q15 cosine of layer k's output with class c's vector (left in {@code priorRow} when read from flash). */
  private int classCosine(int k, int c, int out, long reciprocal) {
    if (capacity.priorsInRam()) {
      return DenseKernels.cosine(arena.vector, out, reciprocal, arena.priors, arena.info(k, PRIOR_OFFSET) + c * out);
    }
    readFailed(image.readPrior(k, c, priorRow));
    return DenseKernels.cosine(arena.vector, out, reciprocal, priorRow, 0);
  }

  /**
   * A frozen layer's forward pass, its weights read from the image an input pair at a time (only
   * the pairs with a non-zero input): the input-major kernel on one packed row per pair.
   */
  private void forwardFromFlash(int k, int pairs, int out, int biasOffset, boolean signed) {
    int[] acc = arena.accumulator;
    System.arraycopy(arena.biases, biasOffset, acc, 0, out);
    int active =
        signed
            ? InputStatistics.nonZeroPairs(arena.normalised, pairs, arena.activePairs)
            : DenseKernels.activePairs(arena.normalised, pairs, arena.activePairs);
    for (int a = 0; a < active; a++) {
      int p = arena.activePairs[a];
      readFailed(image.readPackedPair(k, p, frozenRow));
      int x = arena.normalised[p];
      DenseKernels.forwardRow(frozenRow, out, DenseKernels.low(x), DenseKernels.high(x), acc);
    }
  }

  /**
   * Records the combined prediction of layers 0..k: the class with the largest sum of their cosines
   * (the lowest on ties, as argmax), with the best and second-best sums. A layer with no output
   * ({@code silent}) adds cosines of 0.
   */
  private void recordCombined(int k, boolean silent) {
    int[] scores = arena.classScores;
    int classes = model.classes();
    if (silent && k == 0) {
      for (int c = 0; c < classes; c++) {
        scores[c] = 0;
      }
    }
    int best = 0;
    int bestScore = Integer.MIN_VALUE;
    int secondScore = Integer.MIN_VALUE;
    for (int c = 0; c < classes; c++) {
      int score = scores[c];
      if (score > bestScore) {
        secondScore = bestScore;
        bestScore = score;
        best = c;
      } else if (score > secondScore) {
        secondScore = score;
      }
    }
    arena.setResult(k, COMBINED_PREDICTED, best);
    arena.setResult(k, COMBINED_BEST, bestScore);
    arena.setResult(k, COMBINED_SECOND, secondScore);
  }

  /** Keeps the first failed flash read of a step (the step returns it). */
  private void readFailed(int flashStatus) {
    if (flashStatus != FlashStatus.OK && readStatus == ImageStatus.OK) {
      readStatus = ImageStatus.READ_FAILED;
    }
  }

  /**
   * Turns the directions in the accumulator into int coefficients g with one shared shift S such
   * that the weight update is {@code (g_j * x_i) * 2^-S} (NUMERICS.md, "Update"), makes room for it
   * (halving the layer while the update could leave int16), applies it to weights and biases with
   * the configured rounding, and renormalises the layer if its weights passed 2^14.
   */
  private int updateLayer(
      int k,
      long rate,
      int pairs,
      int active,
      int out,
      int firstRow,
      int biasOffset,
      int frac,
      int maxInput,
      int outputShift,
      int norm,
      int maxDirection,
      int rng) {
    if (norm <= 0) {
      return rng; // never (norm >= 2^14); shows the subset check the division below cannot throw
    }
    int exponent = arena.info(k, WEIGHT_EXPONENT);
    int precision = 31 + bitLength(norm) - bitLength(rate);
    long factor = (rate << precision) / norm;
    long maxProduct = factor * maxDirection;
    int coefficientShift = Math.max(0, bitLength(maxProduct) - COEFFICIENT_BITS);
    long maxCoefficient = roundShift(maxProduct, coefficientShift);
    // The output was computed at the current exponent; each halving below adds one to the shift.
    int shift = UPDATE_SCALE_BITS + precision + 2 * exponent + outputShift - coefficientShift;
    int bound = arena.info(k, WEIGHT_BOUND);
    while (exponent < ModelImage.MAX_WEIGHT_EXPONENT
        && (shift < 1 || bound + maxGrowth(maxCoefficient, maxInput, shift) > Short.MAX_VALUE)) {
      DenseKernels.halveWeights(arena.weights, firstRow, rowCount(k), rowLength(k));
      DenseKernels.halveBiases(arena.biases, biasOffset, out);
      exponent++;
      shift++;
      bound = DenseKernels.halfToEven(bound);
    }
    arena.setInfo(k, WEIGHT_EXPONENT, exponent);
    // Shifts outside [1, MAX_SHIFT] move into the coefficients (S < 1 only at the top exponent).
    int excess = shift < 1 ? shift - 1 : Math.max(0, shift - DenseKernels.MAX_SHIFT);
    coefficientShift += excess;
    shift -= excess;
    maxCoefficient = roundShift(maxProduct, coefficientShift);
    // Only at the top exponent can the update still be too large: shrink it rather than let weights
    // wrap.
    while (coefficientShift <= 62
        && bound + maxGrowth(maxCoefficient, maxInput, shift) > Short.MAX_VALUE) {
      coefficientShift++;
      maxCoefficient = roundShift(maxProduct, coefficientShift);
    }
    if (coefficientShift > 62) {
      arena.setInfo(k, WEIGHT_BOUND, bound);
      return rng;
    }
    int[] coefficients = arena.accumulator;
    DenseKernels.scale(coefficients, out, factor, coefficientShift);
    int rotationMask =
        roundingMode == ModelImage.ROUNDING_STOCHASTIC ? DenseKernels.STOCHASTIC_ROTATION : 0;
    int state = DenseKernels.xorshift(rng);
    boolean outputMajor = capacity.outputMajor(k);
    int noiseOffset = state & (DenseKernels.NOISE_RING - 1);
    System.arraycopy(
        arena.noise, noiseOffset, arena.noiseWindow, 0, outputMajor ? Math.max(out, pairs) : out);
    if (outputMajor) {
      state =
          DenseKernels.updateOutputMajor(
              arena.weights,
              firstRow,
              pairs,
              out,
              arena.normalised,
              coefficients,
              shift,
              arena.noiseWindow,
              rotationMask,
              state);
    } else if (liveOutputsOnly) {
      int live = DenseKernels.liveOutputs(coefficients, out, frozenRow, arena.noiseWindow);
      state =
          DenseKernels.updateLive(
              arena.weights,
              firstRow,
              arena.activePairs,
              active,
              frozenRow,
              live,
              arena.normalised,
              shift,
              arena.noiseWindow,
              rotationMask,
              state);
      // the bias update below reads the window as it was
      System.arraycopy(arena.noise, noiseOffset, arena.noiseWindow, 0, out);
    } else {
      state =
          DenseKernels.update(
              arena.weights,
              firstRow,
              arena.activePairs,
              active,
              out,
              arena.normalised,
              coefficients,
              shift,
              arena.noiseWindow,
              rotationMask,
              state);
    }
    state = DenseKernels.xorshift(state);
    DenseKernels.updateBias(
        arena.biases,
        biasOffset,
        out,
        coefficients,
        2 * frac,
        shift,
        arena.noiseWindow,
        state & rotationMask);
    bound = (int) Math.min(Short.MAX_VALUE, bound + maxGrowth(maxCoefficient, maxInput, shift));
    arena.setInfo(k, WEIGHT_BOUND, bound);
    if (bound > ModelImage.MAX_ABS_WEIGHT) {
      renormalise(k, firstRow, biasOffset, out);
    }
    return state;
  }

  /** {@code v * 2^-shift} rounded to nearest, for v >= 0 and 0 <= shift <= 62. */
  private static long roundShift(long v, int shift) {
    return (v + (1L << shift >> 1)) >> shift;
  }

  /**
   * Upper bound of |(g * x + r) >> shift| for |g| <= maxCoefficient, 0 <= x <= maxInput, r <
   * 2^shift.
   */
  private static long maxGrowth(long maxCoefficient, int maxInput, int shift) {
    return ((maxCoefficient * maxInput) >> shift) + 1;
  }

  /**
   * Called when the layer's bound passed 2^14: scans for the exact maximum and halves weights and
   * biases (raising the exponent) if it is above {@link #HALVE_ABOVE}; at the top exponent, clamps
   * to 2^14 instead. Either way |weight q| <= 2^14 afterwards.
   */
  private void renormalise(int k, int firstRow, int biasOffset, int out) {
    int rows = rowCount(k);
    int length = rowLength(k);
    int max = DenseKernels.maxAbs(arena.weights, firstRow, rows, length);
    int exponent = arena.info(k, WEIGHT_EXPONENT);
    if (max > HALVE_ABOVE && exponent < ModelImage.MAX_WEIGHT_EXPONENT) {
      DenseKernels.halveWeights(arena.weights, firstRow, rows, length);
      DenseKernels.halveBiases(arena.biases, biasOffset, out);
      arena.setInfo(k, WEIGHT_EXPONENT, exponent + 1);
      max = DenseKernels.halfToEven(max);
    } else if (max > ModelImage.MAX_ABS_WEIGHT) {
      DenseKernels.clamp(arena.weights, firstRow, rows, length, ModelImage.MAX_ABS_WEIGHT);
      max = ModelImage.MAX_ABS_WEIGHT;
    }
    arena.setInfo(k, WEIGHT_BOUND, max);
  }

  /** Rows layer k's weights use: its input pairs, or its outputs if output-major. */
  private int rowCount(int k) {
    int pairs = DenseKernels.pairs(arena.info(k, INPUTS));
    return capacity.outputMajor(k) ? arena.info(k, OUTPUTS) : pairs;
  }

  /** Ints layer k uses in each of its rows. */
  private int rowLength(int k) {
    int pairs = DenseKernels.pairs(arena.info(k, INPUTS));
    return capacity.outputMajor(k) ? pairs : arena.info(k, OUTPUTS);
  }

  private static int bitLength(long v) {
    return 64 - Long.numberOfLeadingZeros(v);
  }

  private void setResults(int k, int predicted, int bestCosine, int secondCosine, int loss) {
    arena.setResult(k, PREDICTED, predicted);
    arena.setResult(k, BEST_COSINE, bestCosine);
    arena.setResult(k, SECOND_COSINE, secondCosine);
    arena.setResult(k, LOSS, loss);
  }

  private void clearResults() {
    for (int k = 0; k < model.layers(); k++) {
      setResults(k, 0, 0, 0, 0);
    }
  }

  /**
   * Per-step generator state, a function of the seed and the step number only, so that training
   * resumed from a written-back image continues exactly as if it had never stopped.
   */
  private int stepRandomState() {
    int state = (int) mix(seed + samplesSeen * 0x9E3779B97F4A7C15L);
    return state == 0 ? 1 : state;
  }

  private void fillNoise() {
    int[] noise = arena.noise;
    if (roundingMode == ModelImage.ROUNDING_NEAREST) {
      for (int k = 0; k < noise.length; k++) {
        noise[k] = DenseKernels.NEAREST_NOISE;
      }
      return;
    }
    long state = seed;
    for (int k = 0; k < noise.length; k++) {
      state += 0x9E3779B97F4A7C15L;
      noise[k] = (int) (mix(state) >>> 32);
    }
  }

  /** SplitMix64 finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  // ------------------------------------------------------------------ hyper-parameters

  /** Sets the learning rate, Q24 (1 .. 2^24); {@link RuntimeStatus#BAD_PARAMETER} otherwise. */
  public int setLearningRate(int rateQ24) {
    if (rateQ24 < 1 || rateQ24 > ModelImage.MAX_LEARNING_RATE) {
      return RuntimeStatus.BAD_PARAMETER;
    }
    learningRate = rateQ24;
    return RuntimeStatus.OK;
  }

  /** Sets the early-exit margin, Q15 cosine difference (0 .. 65536). */
  public int setEarlyExitMargin(int marginQ15) {
    if (marginQ15 < 0 || marginQ15 > ModelImage.MAX_EARLY_EXIT_MARGIN) {
      return RuntimeStatus.BAD_PARAMETER;
    }
    earlyExitMargin = marginQ15;
    return RuntimeStatus.OK;
  }

  /** Sets {@link ModelImage#ROUNDING_NEAREST} or {@link ModelImage#ROUNDING_STOCHASTIC}. */
  public int setRoundingMode(int mode) {
    if (mode != ModelImage.ROUNDING_NEAREST && mode != ModelImage.ROUNDING_STOCHASTIC) {
      return RuntimeStatus.BAD_PARAMETER;
    }
    if (!loaded) {
      return RuntimeStatus.NO_MODEL;
    }
    roundingMode = mode;
    fillNoise();
    return RuntimeStatus.OK;
  }

  // ------------------------------------------------------------------ state and telemetry

  public boolean loaded() {
    return loaded;
  }

  /** The arena's plan (largest model accepted). */
  public MemoryPlan capacity() {
    return capacity;
  }

  /** The loaded model's plan (meaningful once {@link #loaded()}). */
  public MemoryPlan model() {
    return model;
  }

  public int layers() {
    return loaded ? model.layers() : 0;
  }

  public int classes() {
    return model.classes();
  }

  public int inputSize() {
    return model.inputSize();
  }

  /** The base learning rate, Q24 (a schedule decays it step by step: {@link #scheduledRate}). */
  public int learningRate() {
    return learningRate;
  }

  /** {@link ModelImage#SCHEDULE_CONSTANT} or {@link ModelImage#SCHEDULE_COSINE}, from the image. */
  public int scheduleKind() {
    return scheduleKind;
  }

  /** Steps of the image's cosine schedule (0 with a constant rate). */
  public int scheduleSteps() {
    return scheduleSteps;
  }

  public int earlyExitMargin() {
    return earlyExitMargin;
  }

  public int roundingMode() {
    return roundingMode;
  }

  public long samplesSeen() {
    return samplesSeen;
  }

  /** Layer that answered the last {@link #predict} or {@link #predictEarlyExit} (-1 before any). */
  public int exitLayer() {
    return exitLayer;
  }

  // The layer accessors answer a layer outside the model with BAD_LAYER, 0 or false (no exception).

  /** Class predicted by layer k in the last step. */
  public int layerPrediction(int k) {
    return hasLayer(k) ? arena.result(k, PREDICTED) : RuntimeStatus.BAD_LAYER;
  }

  /**
   * Class with the largest sum of the cosines of layers 0..k in the last step (the combined
   * prediction, whatever the image's prediction flag).
   */
  public int layerCombinedPrediction(int k) {
    return hasLayer(k) ? arena.result(k, COMBINED_PREDICTED) : RuntimeStatus.BAD_LAYER;
  }

  /** Q15 cosine of layer k's output with its predicted class's prior in the last step. */
  public int layerBestCosine(int k) {
    return hasLayer(k) ? arena.result(k, BEST_COSINE) : 0;
  }

  /** Q15 cosine with the runner-up class (the early-exit margin compares the two). */
  public int layerSecondCosine(int k) {
    return hasLayer(k) ? arena.result(k, SECOND_COSINE) : 0;
  }

  /** Q15 loss -cos(h, v_label) of layer k in the last training step (0 after a prediction). */
  public int layerLoss(int k) {
    return hasLayer(k) ? arena.result(k, LOSS) : 0;
  }

  /** Layer k's power-of-two weight exponent: real weight = q * 2^exponent. */
  public int weightExponent(int k) {
    return hasLayer(k) ? arena.info(k, WEIGHT_EXPONENT) : 0;
  }

  public boolean frozen(int k) {
    return hasLayer(k) && arena.info(k, FROZEN) != 0;
  }

  private boolean hasLayer(int k) {
    return k >= 0 && k < layers();
  }

  /**
   * Frobenius norm of layer k's real weights, Q16 (65536 = 1.0), saturated at Long.MAX_VALUE; a
   * frozen layer's weights are read from flash (0 if that fails).
   */
  public long weightNormQ16(int k) {
    if (!hasLayer(k)) {
      return 0;
    }
    long sumSquares = 0;
    if (arena.info(k, FROZEN) != 0) {
      int out = arena.info(k, OUTPUTS);
      for (int p = 0; p < DenseKernels.pairs(arena.info(k, INPUTS)); p++) {
        if (image.readPackedPair(k, p, frozenRow) != FlashStatus.OK) {
          return 0;
        }
        sumSquares += sumOfSquares(frozenRow, out);
      }
    } else {
      int firstRow = arena.info(k, FIRST_ROW);
      for (int p = firstRow; p < firstRow + rowCount(k); p++) {
        sumSquares += sumOfSquares(arena.weights[p], rowLength(k));
      }
    }
    // Take the root with 16 more fraction bits than q for precision: sqrt(sum * 2^32) = norm *
    // 2^16.
    int headroom = Math.min(32, Long.numberOfLeadingZeros(sumSquares) - 1) & ~1;
    long root = ModelImage.floorSqrt(sumSquares << headroom);
    int shift = arena.info(k, WEIGHT_EXPONENT) + 16 - headroom / 2;
    if (shift >= 0) {
      return shift >= Long.numberOfLeadingZeros(root) - 1 ? Long.MAX_VALUE : root << shift;
    }
    return -shift >= 63 ? 0 : root >> -shift;
  }

  private static long sumOfSquares(int[] row, int length) {
    long sum = 0;
    for (int j = 0; j < length; j++) {
      long low = DenseKernels.low(row[j]);
      long high = DenseKernels.high(row[j]);
      sum += low * low + high * high;
    }
    return sum;
  }
}
