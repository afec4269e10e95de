package dev.spela.runtime;

/**
 * Every buffer of the runtime, allocated once from a {@link MemoryPlan} (the capacity) and reused
 * for every model loaded afterwards. Layers' biases and priors are packed one after the other,
 * their weights are rows laid out by the capacity's shape; {@link #layerInfo} holds each layer's
 * offsets and number formats.
 */
final class Arena {

  static final int INPUTS = 0;
  static final int OUTPUTS = 1;

  /** Index in {@link #weights} of the layer's first row (fixed by the capacity's shape). */
  static final int FIRST_ROW = 2;

  static final int BIAS_OFFSET = 3;
  static final int PRIOR_OFFSET = 4;
  static final int WEIGHT_EXPONENT = 5;
  static final int INPUT_FRAC_BITS = 6;
  static final int FROZEN = 7;

  /** Upper bound of the layer's largest |weight q| since the last exact scan. */
  static final int WEIGHT_BOUND = 8;

  static final int LAYER_FIELDS = 9;

  static final int PREDICTED = 0;
  static final int BEST_COSINE = 1;
  static final int SECOND_COSINE = 2;
  static final int LOSS = 3;
  static final int RESULT_FIELDS = 4;

  /**
   * Packed input-pair weight rows (DenseKernels), each its own array so that the kernels' inner
   * loops index every array from 0: capacity layer k has {@code plan.weightRows(k)} rows of {@code
   * plan.rowLength(k)} ints (input-major or output-major, as the capacity's plan says), after the
   * rows of layers 0 .. k-1. A smaller model's layer k uses the first rows and entries of them.
   */
  final int[][] weights;

  final int[] biases;
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

  Arena(MemoryPlan plan) {
    weights = new int[plan.weightRows()][];
    int row = 0;
    for (int k = 0; k < plan.layers(); k++) {
      for (int r = 0; r < plan.weightRows(k); r++) {
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
  }

  /** Index of capacity layer k's first weight row. */
  static int firstRow(MemoryPlan capacity, int layer) {
    int row = 0;
    for (int k = 0; k < layer; k++) {
      row += capacity.weightRows(k);
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
