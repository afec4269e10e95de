package dev.spela.protocols.image;

import static dev.spela.protocols.image.ModelImage.*;

import dev.spela.protocols.checksum.Crc32;
import dev.spela.protocols.checksum.Sha256;

/**
 * Flyweight writer of a v1 model image into a byte array of exactly {@link ModelImage#imageSize}
 * bytes. Use: {@link #wrap}, {@link #layout} (shape and canonical section offsets), the parameter
 * and per-layer format setters, the section contents, then {@link #seal} (header CRC and SHA-256).
 * {@link ModelImageWriter} uses the header part alone ({@link #layoutHeader}, {@link #sealHeader})
 * and streams the sections to flash. Nothing allocates after construction.
 */
public final class ModelImageEncoder {

  private final Crc32 crc = new Crc32();
  private final Sha256 sha;
  private byte[] buffer;
  private int base;
  private int length;

  public ModelImageEncoder() {
    this(new Sha256());
  }

  /** An encoder whose {@link #seal} uses {@code sha} (shared with a streaming writer). */
  ModelImageEncoder(Sha256 sha) {
    this.sha = sha;
  }

  public ModelImageEncoder wrap(byte[] buffer, int offset, int length) {
    this.buffer = buffer;
    this.base = offset;
    this.length = length;
    return this;
  }

  /**
   * Writes magic, version, lengths, shape and canonical section offsets, and zeroes every other
   * header byte (flags, formats, parameters) and the sections. Defaults set here: input format u8,
   * int16 weights, int32 biases, Q15 priors, each layer's input fraction bits at their safe
   * maximum.
   *
   * @return the image size, or -1 if the shape is invalid or the wrapped length is not exactly it
   */
  public int layout(int inputSize, int classes, int[] outputs, int layers) {
    return layout(inputSize, classes, outputs, layers, 0);
  }

  /**
   * As {@link #layout(int, int, int[], int)} for an image with header {@code flags} ({@link
   * ModelImage#FLAG_INPUT_STATISTICS}: room for the input statistics, before the digest).
   */
  public int layout(int inputSize, int classes, int[] outputs, int layers, int flags) {
    int size = imageSize(inputSize, classes, outputs, layers, flags);
    if (size < 0
        || size != length
        || layoutHeader(inputSize, classes, outputs, layers, flags) != size) {
      return -1;
    }
    for (int k = headerLength(layers); k < size; k++) {
      buffer[base + k] = 0;
    }
    return size;
  }

  /**
   * As {@link #layout}, but writes the header only (the first {@code headerLength(layers)} bytes),
   * so the wrapped buffer need only hold the header.
   *
   * @return the size of the whole image, or -1 if the shape is invalid or the header does not fit
   */
  public int layoutHeader(int inputSize, int classes, int[] outputs, int layers) {
    return layoutHeader(inputSize, classes, outputs, layers, 0);
  }

  /** As {@link #layoutHeader(int, int, int[], int)} with header {@code flags}. */
  public int layoutHeader(int inputSize, int classes, int[] outputs, int layers, int flags) {
    int size = imageSize(inputSize, classes, outputs, layers, flags);
    int headerLength = headerLength(layers);
    if (size < 0 || headerLength > length) {
      return -1;
    }
    for (int k = 0; k < headerLength; k++) {
      buffer[base + k] = 0;
    }
    LittleEndian.put32(buffer, base + OFF_MAGIC, MAGIC);
    LittleEndian.put16(buffer, base + OFF_VERSION, VERSION);
    LittleEndian.put16(buffer, base + OFF_FLAGS, flags);
    LittleEndian.put32(buffer, base + OFF_HEADER_LENGTH, headerLength);
    LittleEndian.put32(buffer, base + OFF_IMAGE_LENGTH, size);
    LittleEndian.put16(buffer, base + OFF_LAYER_COUNT, layers);
    LittleEndian.put16(buffer, base + OFF_CLASS_COUNT, classes);
    LittleEndian.put32(buffer, base + OFF_INPUT_SIZE, inputSize);
    LittleEndian.put8(buffer, base + OFF_INPUT_FORMAT, INPUT_FORMAT_U8);
    int at = headerLength;
    int inputs = inputSize;
    for (int k = 0; k < layers; k++) {
      int out = outputs[k];
      int e = base + layerEntryOffset(k);
      LittleEndian.put32(buffer, e + L_INPUTS, inputs);
      LittleEndian.put32(buffer, e + L_OUTPUTS, out);
      LittleEndian.put8(buffer, e + L_WEIGHT_FORMAT, WEIGHT_FORMAT_INT16);
      LittleEndian.put8(buffer, e + L_BIAS_FORMAT, BIAS_FORMAT_INT32);
      LittleEndian.put8(buffer, e + L_PRIOR_FORMAT, PRIOR_FORMAT_Q15);
      at = section(e + L_WEIGHTS_OFFSET, at, (int) weightsLength(inputs, out));
      at = section(e + L_BIASES_OFFSET, at, (int) biasesLength(out));
      at = section(e + L_PRIORS_OFFSET, at, (int) priorsLength(classes, out));
      layerFormat(k, 0, maxInputFracBits(inputs), false);
      inputs = out;
    }
    return size;
  }

  /**
   * Sets a layer's weight exponent, input fraction bits (bias exponent follows) and frozen flag.
   */
  public ModelImageEncoder layerFormat(
      int layer, int weightExponent, int inputFracBits, boolean frozen) {
    int e = base + layerEntryOffset(layer);
    LittleEndian.put8(buffer, e + L_WEIGHT_EXPONENT, weightExponent);
    LittleEndian.put8(buffer, e + L_INPUT_FRAC_BITS, inputFracBits);
    LittleEndian.put8(buffer, e + L_BIAS_EXPONENT, weightExponent - inputFracBits);
    LittleEndian.put8(buffer, e + L_FLAGS, frozen ? LAYER_FLAG_FROZEN : 0);
    return this;
  }

  public ModelImageEncoder learningRate(int rate) {
    LittleEndian.put32(buffer, base + OFF_LEARNING_RATE, rate);
    return this;
  }

  public ModelImageEncoder earlyExitMargin(int marginQ15) {
    LittleEndian.put32(buffer, base + OFF_EARLY_EXIT_MARGIN, marginQ15);
    return this;
  }

  public ModelImageEncoder roundingMode(int mode) {
    LittleEndian.put8(buffer, base + OFF_ROUNDING_MODE, mode);
    return this;
  }

  /**
   * The local loss: {@link ModelImage#LOSS_COSINE} with inverse temperature 0, or {@link
   * ModelImage#LOSS_SOFTMAX} with 1 / temperature in Q8.
   */
  public ModelImageEncoder loss(int kind, int inverseTemperatureQ8) {
    LittleEndian.put8(buffer, base + OFF_LOSS_KIND, kind);
    LittleEndian.put16(buffer, base + OFF_INVERSE_TEMPERATURE, inverseTemperatureQ8);
    return this;
  }

  /**
   * The learning-rate schedule: {@link ModelImage#SCHEDULE_CONSTANT} with 0 steps, or {@link
   * ModelImage#SCHEDULE_COSINE} over {@code steps} steps (1 .. 2^31 - 1).
   */
  public ModelImageEncoder schedule(int kind, int steps) {
    LittleEndian.put8(buffer, base + OFF_SCHEDULE_KIND, kind);
    LittleEndian.put32(buffer, base + OFF_SCHEDULE_STEPS, steps);
    return this;
  }

  public ModelImageEncoder rngSeed(long seed) {
    LittleEndian.put64(buffer, base + OFF_RNG_SEED, seed);
    return this;
  }

  public ModelImageEncoder samplesSeen(long samples) {
    LittleEndian.put64(buffer, base + OFF_SAMPLES_SEEN, samples);
    return this;
  }

  public ModelImageEncoder weight(int layer, int index, int q) {
    LittleEndian.put16(buffer, base + field(layer, L_WEIGHTS_OFFSET) + 2 * index, q);
    return this;
  }

  /**
   * Input i's statistics (the image must have been laid out with {@link
   * ModelImage#FLAG_INPUT_STATISTICS}): its offset (0 .. {@link ModelImage#MAX_INPUT_OFFSET}) and
   * scale (u16).
   */
  public ModelImageEncoder inputStatistic(int input, int offset, int scale) {
    int at = base + LittleEndian.i32(buffer, base + OFF_IMAGE_LENGTH) - DIGEST_LENGTH;
    at -= (int) inputStatisticsLength(LittleEndian.i32(buffer, base + OFF_INPUT_SIZE));
    LittleEndian.put16(buffer, at + 4 * input, offset);
    LittleEndian.put16(buffer, at + 4 * input + 2, scale);
    return this;
  }

  public ModelImageEncoder bias(int layer, int unit, int q) {
    LittleEndian.put32(buffer, base + field(layer, L_BIASES_OFFSET) + 4 * unit, q);
    return this;
  }

  public ModelImageEncoder prior(int layer, int index, int q) {
    LittleEndian.put16(buffer, base + field(layer, L_PRIORS_OFFSET) + 2 * index, q);
    return this;
  }

  /** Writes a layer's whole weight section from {@code src[srcOffset..]} (input-major). */
  public ModelImageEncoder putWeights(int layer, short[] src, int srcOffset) {
    putShorts(
        base + field(layer, L_WEIGHTS_OFFSET), field(layer, L_WEIGHTS_LENGTH) >> 1, src, srcOffset);
    return this;
  }

  /** Writes a layer's whole prior section from {@code src[srcOffset..]} (class-major). */
  public ModelImageEncoder putPriors(int layer, short[] src, int srcOffset) {
    putShorts(
        base + field(layer, L_PRIORS_OFFSET), field(layer, L_PRIORS_LENGTH) >> 1, src, srcOffset);
    return this;
  }

  public ModelImageEncoder putBiases(int layer, int[] src, int srcOffset) {
    int at = base + field(layer, L_BIASES_OFFSET);
    int count = field(layer, L_BIASES_LENGTH) >> 2;
    for (int k = 0; k < count; k++) {
      LittleEndian.put32(buffer, at + 4 * k, src[srcOffset + k]);
    }
    return this;
  }

  /** Computes and writes the header CRC-32, then the SHA-256 of everything before the digest. */
  public void seal() {
    sealHeader();
    sha.reset();
    sha.update(buffer, base, length - DIGEST_LENGTH);
    sha.finish(buffer, base + length - DIGEST_LENGTH);
  }

  /** Computes and writes the header CRC-32 (after every header field is set). */
  public void sealHeader() {
    int headerLength = LittleEndian.i32(buffer, base + OFF_HEADER_LENGTH);
    LittleEndian.put32(buffer, base + OFF_HEADER_CRC, headerCrc(crc, buffer, base, headerLength));
  }

  /** CRC-32 of header bytes [0, headerLength) except the 4-byte CRC field itself. */
  static int headerCrc(Crc32 crc, byte[] buffer, int base, int headerLength) {
    crc.reset();
    crc.update(buffer, base, OFF_HEADER_CRC);
    crc.update(buffer, base + OFF_HEADER_CRC + 4, headerLength - OFF_HEADER_CRC - 4);
    return crc.value();
  }

  private int section(int entryField, int at, int sectionLength) {
    LittleEndian.put32(buffer, entryField, at);
    LittleEndian.put32(buffer, entryField + 4, sectionLength);
    return (int) align(at + (long) sectionLength);
  }

  private void putShorts(int at, int count, short[] src, int srcOffset) {
    for (int k = 0; k < count; k++) {
      LittleEndian.put16(buffer, at + 2 * k, src[srcOffset + k]);
    }
  }

  private int field(int layer, int field) {
    return LittleEndian.i32(buffer, base + layerEntryOffset(layer) + field);
  }
}
