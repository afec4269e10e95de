package dev.spela.protocols.image;

import static dev.spela.protocols.image.ModelImage.*;

import dev.spela.protocols.checksum.Crc32;
import dev.spela.protocols.checksum.Sha256;

/**
 * The format's checks exactly as MODEL_FORMAT.md lists them, in its order, on a whole image in a
 * byte array with random access: the oracle the streaming {@link ModelImageValidator} must agree
 * with on every input.
 */
final class ReferenceValidator {

  private final Crc32 crc = new Crc32();
  private final Sha256 sha = new Sha256();
  private final ModelImageDecoder image = new ModelImageDecoder();

  public int validate(byte[] buffer, int offset, int length) {
    if (buffer == null || offset < 0 || length < 0 || offset > buffer.length - length) {
      return ImageStatus.BAD_ARGUMENT;
    }
    if (length < HEADER_FIXED_LENGTH + DIGEST_LENGTH) {
      return ImageStatus.TRUNCATED;
    }
    image.wrap(buffer, offset, length);
    int status = checkEnvelope(buffer, offset, length);
    if (status == ImageStatus.OK) {
      status = checkParameters();
    }
    if (status == ImageStatus.OK) {
      status = checkLayers();
    }
    if (status == ImageStatus.OK) {
      status = checkSectionsDisjoint();
    }
    if (status == ImageStatus.OK) {
      status = checkValues();
    }
    return status;
  }

  private int checkEnvelope(byte[] buffer, int offset, int length) {
    if (image.magic() != MAGIC) {
      return ImageStatus.BAD_MAGIC;
    }
    if (image.version() != VERSION) {
      return ImageStatus.UNSUPPORTED_VERSION;
    }
    if ((image.flags() & ~(FLAG_INPUT_STATISTICS | FLAG_COMBINED_PREDICTION)) != 0) {
      return ImageStatus.UNSUPPORTED_FLAGS;
    }
    int layers = image.layerCount();
    if (layers < 1 || layers > MAX_LAYERS) {
      return ImageStatus.BAD_LAYER_COUNT;
    }
    int headerLength = image.headerLength();
    if (headerLength != headerLength(layers)) {
      return ImageStatus.BAD_HEADER_LENGTH;
    }
    if (headerLength > length - DIGEST_LENGTH) {
      return ImageStatus.TRUNCATED;
    }
    if (ModelImageEncoder.headerCrc(crc, buffer, offset, headerLength) != image.headerCrc()) {
      return ImageStatus.BAD_HEADER_CHECKSUM;
    }
    int declared = image.imageLength();
    if (declared < 0 || declared > length) {
      return ImageStatus.TRUNCATED;
    }
    if (declared < length) {
      return ImageStatus.LENGTH_MISMATCH;
    }
    sha.reset();
    sha.update(buffer, offset, length - DIGEST_LENGTH);
    return sha.finishAndCompare(buffer, offset + length - DIGEST_LENGTH)
        ? ImageStatus.OK
        : ImageStatus.BAD_DIGEST;
  }

  private int checkParameters() {
    if (!image.headerReservedClear()) {
      return ImageStatus.UNSUPPORTED_FLAGS;
    }
    int classes = image.classCount();
    int inputSize = image.inputSize();
    if (classes < MIN_CLASSES || classes > MAX_CLASSES || inputSize < 1 || inputSize > MAX_WIDTH) {
      return ImageStatus.BAD_SHAPE;
    }
    if (image.inputFormat() != INPUT_FORMAT_U8) {
      return ImageStatus.UNSUPPORTED_NUMBER_FORMAT;
    }
    int rounding = image.roundingMode();
    int rate = image.learningRate();
    int margin = image.earlyExitMargin();
    if ((rounding != ROUNDING_NEAREST && rounding != ROUNDING_STOCHASTIC)
        || rate < 1
        || rate > MAX_LEARNING_RATE
        || margin < 0
        || margin > MAX_EARLY_EXIT_MARGIN
        || image.samplesSeen() < 0) {
      return ImageStatus.BAD_PARAMETER;
    }
    int inverseTemperature = image.inverseTemperature();
    boolean cosine = image.lossKind() == LOSS_COSINE && inverseTemperature == 0;
    boolean softmax = image.lossKind() == LOSS_SOFTMAX && inverseTemperature >= 256 && inverseTemperature <= 65535;
    if (!cosine && !softmax) {
      return ImageStatus.BAD_PARAMETER;
    }
    int steps = image.scheduleSteps();
    boolean constant = image.scheduleKind() == SCHEDULE_CONSTANT && steps == 0;
    boolean decaying = image.scheduleKind() == SCHEDULE_COSINE && steps > 0;
    if (!constant && !decaying) {
      return ImageStatus.BAD_PARAMETER;
    }
    return ImageStatus.OK;
  }

  private int checkLayers() {
    int layers = image.layerCount();
    int classes = image.classCount();
    int inputs = image.inputSize();
    int headerLength = image.headerLength();
    int bodyEnd = image.length() - DIGEST_LENGTH;
    for (int k = 0; k < layers; k++) {
      int out = image.outputs(k);
      if (image.inputs(k) != inputs || out < 1 || out > MAX_WIDTH) {
        return ImageStatus.BAD_SHAPE;
      }
      if ((image.layerFlags(k) & ~LAYER_FLAG_FROZEN) != 0 || image.layerReserved(k) != 0) {
        return ImageStatus.UNSUPPORTED_FLAGS;
      }
      int exponent = image.weightExponent(k);
      int frac = image.inputFracBits(k);
      if (image.weightFormat(k) != WEIGHT_FORMAT_INT16
          || image.biasFormat(k) != BIAS_FORMAT_INT32
          || image.priorFormat(k) != PRIOR_FORMAT_Q15
          || exponent < MIN_WEIGHT_EXPONENT
          || exponent > MAX_WEIGHT_EXPONENT
          || frac < 1
          || frac > maxInputFracBits(inputs)
          || image.biasExponent(k) != exponent - frac) {
        return ImageStatus.UNSUPPORTED_NUMBER_FORMAT;
      }
      if (!sectionInBody(
              image.weightsOffset(k),
              image.weightsLength(k),
              weightsLength(inputs, out),
              headerLength,
              bodyEnd)
          || !sectionInBody(
              image.biasesOffset(k),
              image.biasesLength(k),
              biasesLength(out),
              headerLength,
              bodyEnd)
          || !sectionInBody(
              image.priorsOffset(k),
              image.priorsLength(k),
              priorsLength(classes, out),
              headerLength,
              bodyEnd)) {
        return ImageStatus.BAD_SECTION;
      }
      inputs = out;
    }
    if (statistics()
        && !sectionInBody(
            statisticsOffset(), 4 * image.inputSize(), 4L * image.inputSize(), headerLength, bodyEnd)) {
      return ImageStatus.BAD_SECTION;
    }
    return ImageStatus.OK;
  }

  private boolean statistics() {
    return (image.flags() & FLAG_INPUT_STATISTICS) != 0;
  }

  /** The input statistics lie right before the digest. */
  private int statisticsOffset() {
    return (int) (image.imageLength() - DIGEST_LENGTH - 4L * image.inputSize());
  }

  private static boolean sectionInBody(
      int offset, int length, long expectedLength, int headerLength, int bodyEnd) {
    return length == expectedLength
        && offset >= headerLength
        && offset % SECTION_ALIGNMENT == 0
        && (long) offset + length <= bodyEnd;
  }

  /** Pairwise check over the 3 * layers sections and the input statistics. */
  private int checkSectionsDisjoint() {
    int sections = 3 * image.layerCount() + (statistics() ? 1 : 0);
    for (int a = 0; a < sections; a++) {
      long startA = sectionOffset(a);
      long endA = startA + sectionLength(a);
      for (int b = a + 1; b < sections; b++) {
        long startB = sectionOffset(b);
        if (startB < endA && startA < startB + sectionLength(b)) {
          return ImageStatus.BAD_SECTION;
        }
      }
    }
    return ImageStatus.OK;
  }

  private int sectionOffset(int section) {
    return section == 3 * image.layerCount() ? statisticsOffset() : image.sectionOffset(section);
  }

  private int sectionLength(int section) {
    return section == 3 * image.layerCount() ? 4 * image.inputSize() : image.sectionLength(section);
  }

  private int checkValues() {
    int layers = image.layerCount();
    int classes = image.classCount();
    for (int k = 0; k < layers; k++) {
      int out = image.outputs(k);
      int weights = image.weightsLength(k) >> 1;
      for (int i = 0; i < weights; i++) {
        int q = image.weight(k, i);
        if (q > MAX_ABS_WEIGHT || q < -MAX_ABS_WEIGHT) {
          return ImageStatus.BAD_VALUES;
        }
      }
      for (int j = 0; j < out; j++) {
        int q = image.bias(k, j);
        if (q > MAX_ABS_BIAS || q < -MAX_ABS_BIAS) {
          return ImageStatus.BAD_VALUES;
        }
      }
      long tolerance = (long) Q15_ONE * (ceilSqrt(out) + 2);
      for (int c = 0; c < classes; c++) {
        long sumSquares = 0;
        for (int j = 0; j < out; j++) {
          int q = image.prior(k, c * out + j);
          sumSquares += (long) q * q;
        }
        long error = sumSquares - (1L << 30);
        if (error > tolerance || error < -tolerance) {
          return ImageStatus.BAD_VALUES;
        }
      }
    }
    for (int i = 0; statistics() && i < image.inputSize(); i++) {
      if (image.reader().u16(statisticsOffset() + 4 * i) > 32640) {
        return ImageStatus.BAD_VALUES;
      }
    }
    return ImageStatus.OK;
  }
}
