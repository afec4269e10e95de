package dev.spela.protocols.image;

import static dev.spela.protocols.image.ModelImage.*;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.subset.SteadyState;

/**
 * Flyweight reader of a model image's fields, in place through an {@link ImageReader} (so in flash,
 * or in a byte array through {@link #wrap(byte[], int, int)}). It checks nothing: call {@link
 * ModelImageValidator#validate} first, then read through the getters. Section element accessors
 * take indices within the section. A failed read gives 0 and shows in {@link ImageReader#status}.
 */
@SteadyState
public final class ModelImageDecoder {

  /** Block size of the reader a decoder makes for itself (host use). */
  public static final int DEFAULT_BLOCK_BYTES = 256;

  private final ImageReader reader;
  private final ArrayFlash array = new ArrayFlash();
  // The section offsets of the layer last asked for: element loops then read the header once.
  private int cachedLayer = -1;
  private int weightsAt;
  private int biasesAt;
  private int priorsAt;

  /** A decoder with a reader of its own. */
  public ModelImageDecoder() {
    this(new ImageReader(DEFAULT_BLOCK_BYTES));
  }

  /** A decoder reading through {@code reader} (shared with its owner, such as a validator). */
  public ModelImageDecoder(ImageReader reader) {
    this.reader = reader;
  }

  /** Reads the image at {@code region[offset, offset + length)}. */
  public ModelImageDecoder wrap(FlashRegion region, int offset, int length) {
    reader.wrap(region, offset, length);
    cachedLayer = -1;
    return this;
  }

  /** Reads the image at {@code buffer[offset, offset + length)}. */
  public ModelImageDecoder wrap(byte[] buffer, int offset, int length) {
    if (buffer == null) {
      clear();
      return this;
    }
    return wrap(array.wrap(buffer, offset, length), 0, length);
  }

  /** Forgets the image (a loaded image must stay unchanged only while it is wrapped). */
  public void clear() {
    reader.wrap(null, 0, 0);
    array.wrap(null, 0, 0);
    cachedLayer = -1;
  }

  public ImageReader reader() {
    return reader;
  }

  public int length() {
    return reader.length();
  }

  public int magic() {
    return reader.i32(OFF_MAGIC);
  }

  public int version() {
    return reader.u16(OFF_VERSION);
  }

  public int flags() {
    return reader.u16(OFF_FLAGS);
  }

  public int headerLength() {
    return reader.i32(OFF_HEADER_LENGTH);
  }

  public int headerCrc() {
    return reader.i32(OFF_HEADER_CRC);
  }

  public int imageLength() {
    return reader.i32(OFF_IMAGE_LENGTH);
  }

  public int layerCount() {
    return reader.u16(OFF_LAYER_COUNT);
  }

  public int classCount() {
    return reader.u16(OFF_CLASS_COUNT);
  }

  public int inputSize() {
    return reader.i32(OFF_INPUT_SIZE);
  }

  public int inputFormat() {
    return reader.u8(OFF_INPUT_FORMAT);
  }

  public int roundingMode() {
    return reader.u8(OFF_ROUNDING_MODE);
  }

  public int learningRate() {
    return reader.i32(OFF_LEARNING_RATE);
  }

  public int earlyExitMargin() {
    return reader.i32(OFF_EARLY_EXIT_MARGIN);
  }

  public long rngSeed() {
    return reader.i64(OFF_RNG_SEED);
  }

  public long samplesSeen() {
    return reader.i64(OFF_SAMPLES_SEEN);
  }

  /** True if the header's reserved bytes (30-31 and 56-63) are all zero. */
  /** {@link ModelImage#LOSS_COSINE} or {@link ModelImage#LOSS_SOFTMAX} (others are invalid). */
  public int lossKind() {
    return reader.u8(OFF_LOSS_KIND);
  }

  /** The softmax's 1 / temperature in Q8; 0 with the cosine loss. */
  public int inverseTemperature() {
    return reader.u16(OFF_INVERSE_TEMPERATURE);
  }

  public boolean headerReservedClear() {
    return reader.u16(OFF_RESERVED_58) == 0;
  }

  /** {@link ModelImage#SCHEDULE_CONSTANT} or {@link ModelImage#SCHEDULE_COSINE} (others are invalid). */
  public int scheduleKind() {
    return reader.u8(OFF_SCHEDULE_KIND);
  }

  /** Steps over which the cosine schedule goes to 0 (a u32; negative here if 2^31 or more). */
  public int scheduleSteps() {
    return reader.i32(OFF_SCHEDULE_STEPS);
  }

  public int inputs(int layer) {
    return reader.i32(entry(layer) + L_INPUTS);
  }

  public int outputs(int layer) {
    return reader.i32(entry(layer) + L_OUTPUTS);
  }

  public int weightFormat(int layer) {
    return reader.u8(entry(layer) + L_WEIGHT_FORMAT);
  }

  public int weightExponent(int layer) {
    return (byte) reader.u8(entry(layer) + L_WEIGHT_EXPONENT);
  }

  public int inputFracBits(int layer) {
    return reader.u8(entry(layer) + L_INPUT_FRAC_BITS);
  }

  public int layerFlags(int layer) {
    return reader.u8(entry(layer) + L_FLAGS);
  }

  public boolean frozen(int layer) {
    return (layerFlags(layer) & LAYER_FLAG_FROZEN) != 0;
  }

  public int biasFormat(int layer) {
    return reader.u8(entry(layer) + L_BIAS_FORMAT);
  }

  public int biasExponent(int layer) {
    return (byte) reader.u8(entry(layer) + L_BIAS_EXPONENT);
  }

  public int priorFormat(int layer) {
    return reader.u8(entry(layer) + L_PRIOR_FORMAT);
  }

  /** The layer entry's reserved byte 15. */
  public int layerReserved(int layer) {
    return reader.u8(entry(layer) + L_RESERVED_15);
  }

  public int weightsOffset(int layer) {
    return reader.i32(entry(layer) + L_WEIGHTS_OFFSET);
  }

  public int weightsLength(int layer) {
    return reader.i32(entry(layer) + L_WEIGHTS_LENGTH);
  }

  public int biasesOffset(int layer) {
    return reader.i32(entry(layer) + L_BIASES_OFFSET);
  }

  public int biasesLength(int layer) {
    return reader.i32(entry(layer) + L_BIASES_LENGTH);
  }

  public int priorsOffset(int layer) {
    return reader.i32(entry(layer) + L_PRIORS_OFFSET);
  }

  public int priorsLength(int layer) {
    return reader.i32(entry(layer) + L_PRIORS_LENGTH);
  }

  /**
   * Number of sections: 3 per layer, and the input statistics section last if the header's {@link
   * ModelImage#FLAG_INPUT_STATISTICS} is set.
   */
  public int sectionCount() {
    return 3 * layerCount() + (hasInputStatistics() ? 1 : 0);
  }

  /**
   * Offset of section {@code section} = 3 * layer + kind (kind 0 weights, 1 biases, 2 priors), or
   * the input statistics for {@code section == 3 * layerCount()}.
   */
  public int sectionOffset(int section) {
    if (section == 3 * layerCount()) {
      return inputStatisticsOffset();
    }
    return reader.i32(entry(section / 3) + L_WEIGHTS_OFFSET + 8 * (section % 3));
  }

  public int sectionLength(int section) {
    if (section == 3 * layerCount()) {
      return (int) inputStatisticsLength(inputSize());
    }
    return reader.i32(entry(section / 3) + L_WEIGHTS_LENGTH + 8 * (section % 3));
  }

  /** True if the header says the image carries input statistics. */
  public boolean hasInputStatistics() {
    return (flags() & FLAG_INPUT_STATISTICS) != 0;
  }

  /**
   * Where the input statistics lie: the {@code 4 * inputSize} bytes right before the digest (a
   * negative value or one inside the header for a malformed image, which the validator rejects).
   */
  public int inputStatisticsOffset() {
    return (int) (imageLength() - (long) DIGEST_LENGTH - inputStatisticsLength(inputSize()));
  }

  /** Input i's offset (its training mean in 1/128 pixel units), from the input statistics. */
  public int inputOffset(int input) {
    return reader.u16(inputStatisticsOffset() + 4 * input);
  }

  /** Input i's scale (1 / its deviation, 12 fraction bits), from the input statistics. */
  public int inputScale(int input) {
    return reader.u16(inputStatisticsOffset() + 4 * input + 2);
  }

  /** Weight {@code index = i * outputs + j} (input-major) of a layer. */
  public short weight(int layer, int index) {
    return reader.i16(sections(layer).weightsAt + 2 * index);
  }

  public int bias(int layer, int unit) {
    return reader.i32(sections(layer).biasesAt + 4 * unit);
  }

  /** Prior {@code index = c * outputs + j} (class-major) of a layer. */
  public short prior(int layer, int index) {
    return reader.i16(sections(layer).priorsAt + 2 * index);
  }

  /** Copies a layer's weights to {@code dst[dstOffset..]}; nothing if they do not fit there. */
  public void copyWeights(int layer, short[] dst, int dstOffset) {
    int count = weightsLength(layer) >> 1;
    if (!Bounds.within(dst, dstOffset, count)) {
      return;
    }
    for (int k = 0; k < count; k++) {
      dst[dstOffset + k] = weight(layer, k);
    }
  }

  /** Copies a layer's priors to {@code dst[dstOffset..]}; nothing if they do not fit there. */
  public void copyPriors(int layer, short[] dst, int dstOffset) {
    int count = priorsLength(layer) >> 1;
    if (!Bounds.within(dst, dstOffset, count)) {
      return;
    }
    for (int k = 0; k < count; k++) {
      dst[dstOffset + k] = prior(layer, k);
    }
  }

  /** Copies a layer's biases to {@code dst[dstOffset..]}; nothing if they do not fit there. */
  public void copyBiases(int layer, int[] dst, int dstOffset) {
    int count = biasesLength(layer) >> 2;
    if (!Bounds.within(dst, dstOffset, count)) {
      return;
    }
    for (int k = 0; k < count; k++) {
      dst[dstOffset + k] = bias(layer, k);
    }
  }

  private ModelImageDecoder sections(int layer) {
    if (layer != cachedLayer) {
      weightsAt = weightsOffset(layer);
      biasesAt = biasesOffset(layer);
      priorsAt = priorsOffset(layer);
      cachedLayer = layer;
    }
    return this;
  }

  private static int entry(int layer) {
    return layerEntryOffset(layer);
  }
}
