package dev.spela.protocols.image;

import static dev.spela.protocols.image.ModelImage.*;

/**
 * Flyweight reader over a model image in a byte array. It checks nothing: call {@link
 * ModelImageValidator#validate} first, then read through the getters. Section element accessors
 * take indices within the section.
 */
public final class ModelImageDecoder {

  private byte[] buffer;
  private int base;
  private int length;

  public ModelImageDecoder wrap(byte[] buffer, int offset, int length) {
    this.buffer = buffer;
    this.base = offset;
    this.length = length;
    return this;
  }

  public byte[] buffer() {
    return buffer;
  }

  public int offset() {
    return base;
  }

  public int length() {
    return length;
  }

  public int magic() {
    return LittleEndian.i32(buffer, base + OFF_MAGIC);
  }

  public int version() {
    return LittleEndian.u16(buffer, base + OFF_VERSION);
  }

  public int flags() {
    return LittleEndian.u16(buffer, base + OFF_FLAGS);
  }

  public int headerLength() {
    return LittleEndian.i32(buffer, base + OFF_HEADER_LENGTH);
  }

  public int headerCrc() {
    return LittleEndian.i32(buffer, base + OFF_HEADER_CRC);
  }

  public int imageLength() {
    return LittleEndian.i32(buffer, base + OFF_IMAGE_LENGTH);
  }

  public int layerCount() {
    return LittleEndian.u16(buffer, base + OFF_LAYER_COUNT);
  }

  public int classCount() {
    return LittleEndian.u16(buffer, base + OFF_CLASS_COUNT);
  }

  public int inputSize() {
    return LittleEndian.i32(buffer, base + OFF_INPUT_SIZE);
  }

  public int inputFormat() {
    return LittleEndian.u8(buffer, base + OFF_INPUT_FORMAT);
  }

  public int roundingMode() {
    return LittleEndian.u8(buffer, base + OFF_ROUNDING_MODE);
  }

  public int learningRate() {
    return LittleEndian.i32(buffer, base + OFF_LEARNING_RATE);
  }

  public int earlyExitMargin() {
    return LittleEndian.i32(buffer, base + OFF_EARLY_EXIT_MARGIN);
  }

  public long rngSeed() {
    return LittleEndian.i64(buffer, base + OFF_RNG_SEED);
  }

  public long samplesSeen() {
    return LittleEndian.i64(buffer, base + OFF_SAMPLES_SEEN);
  }

  public int inputs(int layer) {
    return LittleEndian.i32(buffer, entry(layer) + L_INPUTS);
  }

  public int outputs(int layer) {
    return LittleEndian.i32(buffer, entry(layer) + L_OUTPUTS);
  }

  public int weightFormat(int layer) {
    return LittleEndian.u8(buffer, entry(layer) + L_WEIGHT_FORMAT);
  }

  public int weightExponent(int layer) {
    return buffer[entry(layer) + L_WEIGHT_EXPONENT];
  }

  public int inputFracBits(int layer) {
    return LittleEndian.u8(buffer, entry(layer) + L_INPUT_FRAC_BITS);
  }

  public int layerFlags(int layer) {
    return LittleEndian.u8(buffer, entry(layer) + L_FLAGS);
  }

  public boolean frozen(int layer) {
    return (layerFlags(layer) & LAYER_FLAG_FROZEN) != 0;
  }

  public int biasFormat(int layer) {
    return LittleEndian.u8(buffer, entry(layer) + L_BIAS_FORMAT);
  }

  public int biasExponent(int layer) {
    return buffer[entry(layer) + L_BIAS_EXPONENT];
  }

  public int priorFormat(int layer) {
    return LittleEndian.u8(buffer, entry(layer) + L_PRIOR_FORMAT);
  }

  public int weightsOffset(int layer) {
    return LittleEndian.i32(buffer, entry(layer) + L_WEIGHTS_OFFSET);
  }

  public int weightsLength(int layer) {
    return LittleEndian.i32(buffer, entry(layer) + L_WEIGHTS_LENGTH);
  }

  public int biasesOffset(int layer) {
    return LittleEndian.i32(buffer, entry(layer) + L_BIASES_OFFSET);
  }

  public int biasesLength(int layer) {
    return LittleEndian.i32(buffer, entry(layer) + L_BIASES_LENGTH);
  }

  public int priorsOffset(int layer) {
    return LittleEndian.i32(buffer, entry(layer) + L_PRIORS_OFFSET);
  }

  public int priorsLength(int layer) {
    return LittleEndian.i32(buffer, entry(layer) + L_PRIORS_LENGTH);
  }

  /** Weight {@code index = i * outputs + j} (input-major) of a layer. */
  public short weight(int layer, int index) {
    return LittleEndian.i16(buffer, base + weightsOffset(layer) + 2 * index);
  }

  public int bias(int layer, int unit) {
    return LittleEndian.i32(buffer, base + biasesOffset(layer) + 4 * unit);
  }

  /** Prior {@code index = c * outputs + j} (class-major) of a layer. */
  public short prior(int layer, int index) {
    return LittleEndian.i16(buffer, base + priorsOffset(layer) + 2 * index);
  }

  public void copyWeights(int layer, short[] dst, int dstOffset) {
    copyShorts(base + weightsOffset(layer), weightsLength(layer) >> 1, dst, dstOffset);
  }

  public void copyPriors(int layer, short[] dst, int dstOffset) {
    copyShorts(base + priorsOffset(layer), priorsLength(layer) >> 1, dst, dstOffset);
  }

  public void copyBiases(int layer, int[] dst, int dstOffset) {
    int at = base + biasesOffset(layer);
    int count = biasesLength(layer) >> 2;
    for (int k = 0; k < count; k++) {
      dst[dstOffset + k] = LittleEndian.i32(buffer, at + 4 * k);
    }
  }

  private void copyShorts(int at, int count, short[] dst, int dstOffset) {
    for (int k = 0; k < count; k++) {
      dst[dstOffset + k] = LittleEndian.i16(buffer, at + 2 * k);
    }
  }

  private int entry(int layer) {
    return base + layerEntryOffset(layer);
  }
}
