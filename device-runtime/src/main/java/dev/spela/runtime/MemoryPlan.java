package dev.spela.runtime;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.protocols.image.ModelImageValidator;
import dev.spela.protocols.subset.InitPhase;
import dev.spela.runtime.kernels.DenseKernels;

/**
 * Exact memory needs, in bytes, of one model shape on this runtime (the allocator's plan, as in
 * TFLite Micro). {@link Arena} allocates exactly what a plan lists; a runtime built for one plan
 * (its capacity) accepts any model whose plan {@link #fitsIn fits in it}, layer by layer: each
 * layer's weights live in rows of their own (one array per input pair, or per output for a narrow
 * layer), so a model's layer k must be no wider and have no more inputs than the capacity's layer
 * k.
 *
 * <p>Buffers shared by all layers are sized for the widest layer; per-layer figures say what each
 * layer's step touches. Weights of frozen layers are counted as flash (they are never written), the
 * rest as RAM. {@link #backpropBytes} gives, for comparison, what per-sample backpropagation on the
 * same network would need with the same number formats.
 */
public final class MemoryPlan {

  /**
   * Layers with fewer outputs but at least this many input pairs store their weights output-major
   * (a row per output, along the input pairs): a loop over so few outputs is too short for a JIT's
   * vector loop, one over the pairs is long enough (NUMERICS.md, "Kernels").
   */
  public static final int OUTPUT_MAJOR_BELOW = 64;

  /** Length of the stochastic-rounding noise ring read at random row offsets. */
  public static final int NOISE_RING = DenseKernels.NOISE_RING;

  /** Bytes of arrays the runtime allocates besides the arena: two SHA-256 states, three plans. */
  public static final long FIXED_BYTES = 2 * (8 + 64) * 4 + 2 * 64 + 3 * ModelImage.MAX_LAYERS * 4;

  private final int[] outputs = new int[ModelImage.MAX_LAYERS];
  private long frozenMask;
  private int layers;
  private int classes;
  private int inputSize;

  /**
   * Sets the plan for a shape. {@code outputs[k]} is layer k's width; bit k of {@code frozenMask}
   * marks layer k frozen. Returns {@link ImageStatus#OK} or {@link ImageStatus#BAD_SHAPE}.
   */
  public int setShape(int inputSize, int classes, int[] outputs, int layers, long frozenMask) {
    if (outputs == null
        || layers > outputs.length
        || ModelImage.imageSize(inputSize, classes, outputs, layers) < 0) {
      return ImageStatus.BAD_SHAPE;
    }
    for (int k = 0; k < layers; k++) {
      if (ModelImage.maxInputFracBits(k == 0 ? inputSize : outputs[k - 1]) == 0) {
        return ImageStatus.BAD_SHAPE;
      }
    }
    this.inputSize = inputSize;
    this.classes = classes;
    this.layers = layers;
    this.frozenMask = layers == 64 ? frozenMask : frozenMask & ((1L << layers) - 1);
    System.arraycopy(outputs, 0, this.outputs, 0, layers);
    return ImageStatus.OK;
  }

  /** Sets the plan from an image that {@code ModelImageValidator} accepted. */
  public int setFrom(ModelImageDecoder image) {
    int count = image.layerCount();
    long mask = 0;
    for (int k = 0; k < count; k++) {
      outputs[k] = image.outputs(k);
      if (image.frozen(k)) {
        mask |= 1L << k;
      }
    }
    return setShape(image.inputSize(), image.classCount(), outputs, count, mask);
  }

  /**
   * Validates a whole image and sets the plan from it (host or start-up use: allocates a
   * validator). Returns {@link ImageStatus#OK} or the validation failure.
   */
  @InitPhase
  public int setFromImage(byte[] image, int offset, int length) {
    int status = new ModelImageValidator().validate(image, offset, length);
    return status != ImageStatus.OK
        ? status
        : setFrom(new ModelImageDecoder().wrap(image, offset, length));
  }

  public void copyFrom(MemoryPlan other) {
    setShape(other.inputSize, other.classes, other.outputs, other.layers, other.frozenMask);
  }

  public int layers() {
    return layers;
  }

  public int classes() {
    return classes;
  }

  public int inputSize() {
    return inputSize;
  }

  public int outputs(int layer) {
    return outputs[layer];
  }

  public int inputs(int layer) {
    return layer == 0 ? inputSize : outputs[layer - 1];
  }

  public boolean frozen(int layer) {
    return (frozenMask >>> layer & 1) != 0;
  }

  /** Read-only view of the widths, {@code [0, layers())} meaningful. */
  int[] outputsArray() {
    return outputs;
  }

  // ---- element counts of the arena arrays ----

  /** Ints of packed weights: each holds the weights of two inputs (a pair) to one output. */
  public int weightElements() {
    long n = 0;
    for (int k = 0; k < layers; k++) {
      n += (long) DenseKernels.pairs(inputs(k)) * outputs[k];
    }
    return (int) n;
  }

  /**
   * True if layer k's weights are output-major: fewer than {@link #OUTPUT_MAJOR_BELOW} outputs and
   * at least as many input pairs.
   */
  public boolean outputMajor(int layer) {
    return outputs[layer] < OUTPUT_MAJOR_BELOW
        && DenseKernels.pairs(inputs(layer)) >= OUTPUT_MAJOR_BELOW;
  }

  /** Layer k's weight rows (arrays): one per input pair, or one per output if output-major. */
  public int weightRows(int layer) {
    return outputMajor(layer) ? outputs[layer] : DenseKernels.pairs(inputs(layer));
  }

  /** Ints in each of layer k's weight rows: its outputs, or its input pairs if output-major. */
  public int rowLength(int layer) {
    return outputMajor(layer) ? DenseKernels.pairs(inputs(layer)) : outputs[layer];
  }

  /** Weight rows of all layers. */
  public int weightRows() {
    int n = 0;
    for (int k = 0; k < layers; k++) {
      n += weightRows(k);
    }
    return n;
  }

  public int biasElements() {
    int n = 0;
    for (int k = 0; k < layers; k++) {
      n += outputs[k];
    }
    return n;
  }

  public int priorElements() {
    return classes * biasElements();
  }

  public int maxInputs() {
    int n = 0;
    for (int k = 0; k < layers; k++) {
      n = Math.max(n, inputs(k));
    }
    return n;
  }

  public int maxOutputs() {
    int n = 0;
    for (int k = 0; k < layers; k++) {
      n = Math.max(n, outputs[k]);
    }
    return n;
  }

  /** The normalised input, int16 packed two per int (an input pair, like the weights). */
  public int normalisedElements() {
    return DenseKernels.pairs(maxInputs());
  }

  /** The shared int32 vector holding a layer's raw input, then its scaled output. */
  public int vectorElements() {
    return Math.max(maxInputs(), maxOutputs());
  }

  /**
   * Noise words one step reads from the ring: one per output (input-major rows, biases) or per
   * input pair (output-major rows).
   */
  public int noiseWindowElements() {
    int n = 0;
    for (int k = 0; k < layers; k++) {
      n = Math.max(n, Math.max(outputs[k], rowLength(k)));
    }
    return n;
  }

  public int noiseElements() {
    return NOISE_RING + noiseWindowElements();
  }

  public int layerInfoElements() {
    return layers * Arena.LAYER_FIELDS;
  }

  public int resultElements() {
    return layers * Arena.RESULT_FIELDS;
  }

  // ---- bytes ----

  /**
   * Two bytes per weight, plus one padding weight per output when the layer has an odd input count.
   */
  public long weightBytes(int layer) {
    return 4L * DenseKernels.pairs(inputs(layer)) * outputs[layer];
  }

  public long biasBytes(int layer) {
    return 4L * outputs[layer];
  }

  public long priorBytes(int layer) {
    return 2L * classes * outputs[layer];
  }

  /**
   * Working memory one layer's training step touches: raw input vector (int32), normalised input
   * (int16, even length), the list of active input pairs (int32 per pair), accumulator (int32),
   * scaled output (int32, reusing the raw-input vector's storage).
   */
  public long activationBytes(int layer) {
    return 4L * Math.max(inputs(layer), outputs[layer])
        + 8L * DenseKernels.pairs(inputs(layer))
        + 4L * outputs[layer];
  }

  public long weightBytes() {
    return 4L * weightElements();
  }

  public long biasBytes() {
    return 4L * biasElements();
  }

  public long priorBytes() {
    return 2L * priorElements();
  }

  /**
   * Shared activation buffers: vector, normalised input, list of active input pairs, accumulator.
   */
  public long activationBytes() {
    return 4L * vectorElements() + 8L * normalisedElements() + 4L * maxOutputs();
  }

  /** The noise ring and the step's window of it. */
  public long noiseBytes() {
    return 4L * (noiseElements() + noiseWindowElements());
  }

  /**
   * Per-layer metadata, per-layer results of the last step, and the table of weight rows (one
   * 32-bit reference per row, the size of a reference on a 32-bit device).
   */
  public long bookkeepingBytes() {
    return 4L * (layerInfoElements() + resultElements() + weightRows());
  }

  /** Everything {@link Arena} allocates for this plan. */
  public long arenaBytes() {
    return weightBytes()
        + biasBytes()
        + priorBytes()
        + activationBytes()
        + noiseBytes()
        + bookkeepingBytes();
  }

  /** Weights of frozen layers: read-only, so they can stay in flash. */
  public long flashBytes() {
    long n = 0;
    for (int k = 0; k < layers; k++) {
      if (frozen(k)) {
        n += weightBytes(k);
      }
    }
    return n;
  }

  public long ramBytes() {
    return arenaBytes() - flashBytes();
  }

  /** Arena plus the runtime's fixed arrays: every array a runtime built on this plan allocates. */
  public long totalBytes() {
    return arenaBytes() + FIXED_BYTES;
  }

  /**
   * Per-sample backpropagation on the same network and number formats: the same weights and biases,
   * every layer's normalised input (int16) and pre-activation (int32) kept for the backward pass,
   * and two int32 gradient vectors of the widest layer; no priors, no noise.
   */
  public long backpropBytes() {
    long kept = 0;
    for (int k = 0; k < layers; k++) {
      kept += 2L * inputs(k) + 4L * outputs[k];
    }
    return weightBytes() + biasBytes() + kept + 2L * 4 * vectorElements();
  }

  /**
   * True if a runtime whose arena was planned as {@code capacity} can hold this model: no more
   * layers, and every layer no wider and with no more input pairs than the capacity's same layer
   * (its weight rows are that layer's).
   */
  public boolean fitsIn(MemoryPlan capacity) {
    if (layers > capacity.layers) {
      return false;
    }
    for (int k = 0; k < layers; k++) {
      if (outputs[k] > capacity.outputs[k]
          || DenseKernels.pairs(inputs(k)) > DenseKernels.pairs(capacity.inputs(k))) {
        return false;
      }
    }
    return biasElements() <= capacity.biasElements()
        && priorElements() <= capacity.priorElements()
        && maxInputs() <= capacity.maxInputs()
        && maxOutputs() <= capacity.maxOutputs()
        && vectorElements() <= capacity.vectorElements();
  }
}
