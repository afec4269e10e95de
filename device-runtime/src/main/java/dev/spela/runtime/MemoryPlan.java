package dev.spela.runtime;

import dev.spela.protocols.checksum.Crc32;
import dev.spela.protocols.checksum.Sha256;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.protocols.image.ModelImageValidator;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.subset.InitPhase;
import dev.spela.runtime.kernels.DenseKernels;

/**
 * Exact memory needs, in bytes, of one model shape on this runtime (the allocator's plan, as in
 * TFLite Micro): every array a runtime built on this plan allocates ({@link #ramBytes}), and the
 * image bytes it reads in place from flash instead ({@link #flashBytes}). {@link Arena} allocates
 * exactly what a plan lists; a runtime built for one plan (its capacity) accepts any model whose
 * plan {@link #fitsIn fits in it}, layer by layer: each trainable layer's weights live in rows of
 * their own (one array per input pair, or per output for a narrow layer), so a model's layer k must
 * be no wider and have no more inputs than the capacity's layer k.
 *
 * <p>RAM: the arena (the weights of trainable layers, biases, the shared activation and scratch
 * vectors, rounding noise, bookkeeping: what training writes), the I/O buffers (a block buffer to
 * read images, one to write them, row buffers for what is read in place) and the fixed arrays
 * (SHA-256 states, plans, digests, static tables). Flash: the weights of frozen layers and every
 * layer's priors stay in the image and are read a row at a time (a host may keep the priors in the
 * arena instead, {@link #setPriorsInRam}). Not counted here: the VM's own structures (object and
 * array headers: see {@link #arrayCount} and {@link #objectCount}) and the stack. {@link
 * #backpropBytes} gives, for comparison, what per-sample backpropagation on the same network would
 * need with the same number formats.
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

  /** The block buffer images are read through (validation, loading): a multiple of 8. */
  public static final int IO_BLOCK_BYTES = 256;

  /**
   * Arrays of fixed size a runtime allocates besides the arena and the I/O buffers: three plans'
   * widths, the validator's two SHA-256 states and two digests, the writer's SHA-256 state and
   * digest, and the static tables (CRC-32, SHA-256 round constants).
   */
  public static final long FIXED_BYTES =
      3 * 4 * ModelImage.MAX_LAYERS
          + 3 * Sha256.INSTANCE_ARRAY_BYTES
          + 3 * ModelImage.DIGEST_LENGTH
          + Crc32.TABLE_BYTES
          + Sha256.TABLE_BYTES;

  /** How many arrays make up {@link #FIXED_BYTES}. */
  static final int FIXED_ARRAYS = 3 + 3 * Sha256.INSTANCE_ARRAYS + 3 + 2;

  /**
   * Objects (not arrays) a runtime allocates whatever its plan: the runtime, its arena, image
   * binding and three plans; the image reader; the validator with its decoder (and the decoder's
   * array region), its own array region, a CRC-32 and two SHA-256 states; the binding's decoder
   * with its array region; the writer with its SHA-256 state and header encoder (with a CRC-32).
   */
  public static final int OBJECTS = 6 + 1 + 7 + 2 + 4;

  private final int[] outputs = new int[ModelImage.MAX_LAYERS];
  private long frozenMask;
  private boolean priorsInRam;
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
   * Validates a whole image in place and sets the plan from it (host or start-up use: allocates a
   * validator). Returns {@link ImageStatus#OK} or the validation failure.
   */
  @InitPhase
  public int setFromImage(FlashRegion region, int offset, int length) {
    ModelImageValidator validator = new ModelImageValidator();
    int status = validator.validate(region, offset, length);
    return status != ImageStatus.OK
        ? status
        : setFrom(new ModelImageDecoder().wrap(region, offset, length));
  }

  public void copyFrom(MemoryPlan other) {
    setShape(other.inputSize, other.classes, other.outputs, other.layers, other.frozenMask);
    priorsInRam = other.priorsInRam;
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

  /**
   * Whether a runtime with this capacity copies the priors into its arena at load, instead of
   * reading them from flash at every step: a host's choice for speed (the device default, false,
   * keeps RAM for what training writes). A model with more prior elements than such a capacity does
   * not fit it.
   */
  public void setPriorsInRam(boolean inRam) {
    priorsInRam = inRam;
  }

  public boolean priorsInRam() {
    return priorsInRam;
  }

  /** Read-only view of the widths, {@code [0, layers())} meaningful. */
  int[] outputsArray() {
    return outputs;
  }

  // ---- element counts of the arena arrays ----

  /**
   * Ints of packed weights in the arena (trainable layers only): each holds the weights of two
   * inputs (a pair) to one output.
   */
  public int weightElements() {
    long n = 0;
    for (int k = 0; k < layers; k++) {
      if (!frozen(k)) {
        n += (long) DenseKernels.pairs(inputs(k)) * outputs[k];
      }
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

  /** Weight rows in the arena: those of the trainable layers (frozen layers stay in flash). */
  public int weightRows() {
    int n = 0;
    for (int k = 0; k < layers; k++) {
      if (!frozen(k)) {
        n += weightRows(k);
      }
    }
    return n;
  }

  /** Prior elements the arena holds: all of them if {@link #priorsInRam}, else none. */
  public int priorElements() {
    return priorsInRam ? classes * biasElements() : 0;
  }

  public int biasElements() {
    int n = 0;
    for (int k = 0; k < layers; k++) {
      n += outputs[k];
    }
    return n;
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
   * Layer k's packed weights in RAM: two bytes per weight, plus one padding weight per output when
   * the layer has an odd input count.
   */
  public long weightBytes(int layer) {
    return 4L * DenseKernels.pairs(inputs(layer)) * outputs[layer];
  }

  public long biasBytes(int layer) {
    return 4L * outputs[layer];
  }

  /** Layer k's priors: read in place from the image in flash. */
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

  /** Packed weights of the trainable layers: the arena's weight rows. */
  public long weightBytes() {
    return 4L * weightElements();
  }

  public long biasBytes() {
    return 4L * biasElements();
  }

  /** Every layer's priors: read in place from the image in flash, unless {@link #priorsInRam}. */
  public long priorBytes() {
    return 2L * classes * biasElements();
  }

  /** Weights of frozen layers as the image holds them (int16), read in place from flash. */
  public long frozenWeightBytes() {
    long n = 0;
    for (int k = 0; k < layers; k++) {
      if (frozen(k)) {
        n += ModelImage.weightsLength(inputs(k), outputs[k]);
      }
    }
    return n;
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
   * Per-layer metadata, per-layer results of the last step, each class's combined score, and the
   * table of weight rows (one 32-bit reference per row, the size of a reference on a 32-bit
   * device).
   */
  public long bookkeepingBytes() {
    return 4L * (layerInfoElements() + resultElements() + classes + weightRows());
  }

  /**
   * Everything {@link Arena} allocates for this plan: what training writes (and the priors, if
   * {@link #priorsInRam}).
   */
  public long arenaBytes() {
    return weightBytes()
        + biasBytes()
        + 2L * priorElements()
        + activationBytes()
        + noiseBytes()
        + bookkeepingBytes();
  }

  /** The image writer's buffer: a block, or the header if longer. */
  public int writeBufferBytes() {
    return Math.max(IO_BLOCK_BYTES, ModelImage.headerLength(layers));
  }

  /** Bytes of a row read from flash: two int16 weight rows of the widest layer, or a digest. */
  public int rowBufferBytes() {
    return Math.max(ModelImage.DIGEST_LENGTH, 4 * maxOutputs());
  }

  /**
   * I/O buffers: the block images are read through, the image writer's buffer, the raw row buffer,
   * a packed weight row (a frozen layer's input pair) and two prior rows (a class's, and the
   * label's kept for the update).
   */
  public long ioBufferBytes() {
    return IO_BLOCK_BYTES
        + writeBufferBytes()
        + rowBufferBytes()
        + 4L * maxOutputs()
        + 2L * 2 * maxOutputs();
  }

  /** Every byte a runtime built on this plan allocates: arena, I/O buffers and fixed arrays. */
  public long ramBytes() {
    return arenaBytes() + ioBufferBytes() + FIXED_BYTES;
  }

  /**
   * Image bytes the runtime reads in place from flash instead of holding them in RAM: frozen
   * layers' weights and every layer's priors.
   */
  public long flashBytes() {
    return frozenWeightBytes() + (priorsInRam ? 0 : priorBytes());
  }

  /**
   * Arrays a runtime built on this plan allocates (for a VM's per-array header): {@link #ramBytes}
   * is their elements' bytes.
   */
  public int arrayCount() {
    return 1 + weightRows() + 11 + 6 + FIXED_ARRAYS;
  }

  /** Objects other than arrays a runtime allocates (for a VM's per-object header). */
  public int objectCount() {
    return OBJECTS;
  }

  /**
   * Per-sample backpropagation on the same network and number formats: the same weights and biases,
   * every layer's normalised input (int16) and pre-activation (int32) kept for the backward pass,
   * and two int32 gradient vectors of the widest layer; no priors, no noise.
   */
  public long backpropBytes() {
    long kept = 0;
    long weights = 0;
    for (int k = 0; k < layers; k++) {
      kept += 2L * inputs(k) + 4L * outputs[k];
      weights += weightBytes(k);
    }
    return weights + biasBytes() + kept + 2L * 4 * vectorElements();
  }

  /**
   * True if a runtime whose arena was planned as {@code capacity} can hold this model: no more
   * layers, every layer no wider and with no more input pairs than the capacity's same layer, and
   * each trainable layer on a trainable capacity layer (its weight rows are that layer's; a frozen
   * layer needs no rows: it is read from flash).
   */
  public boolean fitsIn(MemoryPlan capacity) {
    if (layers > capacity.layers) {
      return false;
    }
    for (int k = 0; k < layers; k++) {
      if (outputs[k] > capacity.outputs[k]
          || DenseKernels.pairs(inputs(k)) > DenseKernels.pairs(capacity.inputs(k))
          || !frozen(k) && capacity.frozen(k)) {
        return false;
      }
    }
    // An odd input size may round to the capacity's pairs and still be one longer.
    return maxInputs() <= capacity.maxInputs()
        && vectorElements() <= capacity.vectorElements()
        && (!capacity.priorsInRam || classes * biasElements() <= capacity.priorElements());
  }
}
