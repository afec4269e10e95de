package dev.spela.runtime;

/**
 * What training writes, allocated once from a {@link MemoryPlan} (the capacity) and reused for
 * every model loaded afterwards: the weights of trainable layers as rows laid out by the capacity's
 * shape, layers' biases packed one after the other, the activation and scratch vectors and the
 * rounding noise; {@link #layerInfo} holds each layer's offsets and number formats. Frozen layers'
 * weights are not here, nor, unless the capacity asks for them, the priors: they are read in place
 * from the image in flash.
 */
final class Arena {

  static final int INPUTS = 0;
  static final int OUTPUTS = 1;

  /** Index in {@link #weights} of a trainable layer's first row (fixed by the capacity's shape). */
  static final int FIRST_ROW = 2;

  static final int BIAS_OFFSET = 3;
  static final int WEIGHT_EXPONENT = 4;
  static final int INPUT_FRAC_BITS = 5;
  static final int FROZEN = 6;

  /** Upper bound of the layer's largest |weight q| since the last exact scan. */
  static final int WEIGHT_BOUND = 7;

  /** Where the layer's weights section starts in the image in flash (read when frozen). */
  static final int WEIGHTS_AT = 8;

  /** Where the layer's priors section starts in the image in flash. */
  static final int PRIORS_AT = 9;

  /** Index in {@link #priors} of the layer's first prior (when the capacity keeps them in RAM). */
  static final int PRIOR_OFFSET = 10;

  static final int LAYER_FIELDS = 11;

  static final int PREDICTED = 0;
  static final int BEST_COSINE = 1;
  static final int SECOND_COSINE = 2;
  static final int LOSS = 3;

  /** The class with the largest sum of the cosines of layers 0..k (the combined prediction). */
  static final int COMBINED_PREDICTED = 4;

  static final int COMBINED_BEST = 5;
  static final int COMBINED_SECOND = 6;
  static final int RESULT_FIELDS = 7;

  /**
   * Packed input-pair weight rows (DenseKernels), each its own array so that the kernels' inner
   * loops index every array from 0: trainable capacity layer k has {@code plan.weightRows(k)} rows
   * of {@code plan.rowLength(k)} ints (input-major or output-major, as the capacity's plan says),
   * after the rows of the trainable layers before it. A smaller model's layer k uses the first rows
   * and entries of them.
   */
  final int[][] weights;

  final int[] biases;

  /** Every layer's priors, class-major, if the capacity keeps them in RAM; else empty. */
  final short[] priors;

  /**
   * A layer's raw input (pixels, or the previous layer's scaled output), then its own scaled
   * output.
   */
  final int[] vector;

  /**
   * A layer's input normalised to unit length, int16 packed as input pairs
   * (DenseKernels.normalise).
   */
  final int[] normalised;

  /** Indices of the input pairs with a non-zero input (input-major layers' forward and update). */
  final int[] activePairs;

  /** Pre-activations, then the per-unit update coefficients. */
  final int[] accumulator;

  /** Rounding words: uniform random 32-bit (stochastic rounding) or all 2^31 (nearest). */
  final int[] noise;

  /**
   * The step's window of {@link #noise}, from a random offset, indexed from 0 like a weight row.
   */
  final int[] noiseWindow;

  final int[] layerInfo;
  final int[] results;

  /** Each class's cosines summed over the layers run so far in the step (combined prediction). */
  final int[] classScores;

  Arena(MemoryPlan plan) {
    weights = new int[plan.weightRows()][];
    int row = 0;
    for (int k = 0; k < plan.layers(); k++) {
      for (int r = 0; !plan.frozen(k) && r < plan.weightRows(k); r++) {
        weights[row++] = new int[plan.rowLength(k)];
      }
    }
    biases = new int[plan.biasElements()];
    priors = new short[plan.priorElements()];
    vector = new int[plan.vectorElements()];
    normalised = new int[plan.normalisedElements()];
    activePairs = new int[plan.normalisedElements()];
    accumulator = new int[plan.maxOutputs()];
    noise = new int[plan.noiseElements()];
    noiseWindow = new int[plan.noiseWindowElements()];
    layerInfo = new int[plan.layerInfoElements()];
    results = new int[plan.resultElements()];
    classScores = new int[plan.classes()];
  }

  /** Index of trainable capacity layer k's first weight row. */
  static int firstRow(MemoryPlan capacity, int layer) {
    int row = 0;
    for (int k = 0; k < layer; k++) {
      if (!capacity.frozen(k)) {
        row += capacity.weightRows(k);
      }
    }
    return row;
  }

  int info(int layer, int field) {
    return layerInfo[layer * LAYER_FIELDS + field];
  }

  void setInfo(int layer, int field, int value) {
    layerInfo[layer * LAYER_FIELDS + field] = value;
  }

  int result(int layer, int field) {
    return results[layer * RESULT_FIELDS + field];
  }

  void setResult(int layer, int field, int value) {
    results[layer * RESULT_FIELDS + field] = value;
  }
}
