package dev.spela.protocols.image;

/**
 * Constants and layout arithmetic of model image format v1 (see protocols/MODEL_FORMAT.md). Offsets
 * are relative to the first byte of the image; all multi-byte fields are little-endian.
 */
public final class ModelImage {

  /** The bytes 'S' 'P' 'E' 'L' read as a little-endian int. */
  public static final int MAGIC = 0x4C455053;

  public static final int VERSION = 1;

  public static final int HEADER_FIXED_LENGTH = 64;
  public static final int LAYER_ENTRY_LENGTH = 40;
  public static final int DIGEST_LENGTH = 32;
  public static final int SECTION_ALIGNMENT = 4;

  public static final int MAX_LAYERS = 64;
  public static final int MAX_WIDTH = 65535;
  public static final int MIN_CLASSES = 2;
  public static final int MAX_CLASSES = 65535;

  // Fixed header fields.
  public static final int OFF_MAGIC = 0;
  public static final int OFF_VERSION = 4;
  public static final int OFF_FLAGS = 6;
  public static final int OFF_HEADER_LENGTH = 8;
  public static final int OFF_HEADER_CRC = 12;
  public static final int OFF_IMAGE_LENGTH = 16;
  public static final int OFF_LAYER_COUNT = 20;
  public static final int OFF_CLASS_COUNT = 22;
  public static final int OFF_INPUT_SIZE = 24;
  public static final int OFF_INPUT_FORMAT = 28;
  public static final int OFF_ROUNDING_MODE = 29;
  public static final int OFF_LOSS_KIND = 30;
  public static final int OFF_SCHEDULE_KIND = 31;
  public static final int OFF_LEARNING_RATE = 32;
  public static final int OFF_EARLY_EXIT_MARGIN = 36;
  public static final int OFF_RNG_SEED = 40;
  public static final int OFF_SAMPLES_SEEN = 48;
  public static final int OFF_INVERSE_TEMPERATURE = 56;
  public static final int OFF_RESERVED_58 = 58;
  public static final int OFF_SCHEDULE_STEPS = 60;

  // Layer entry fields, relative to the entry.
  public static final int L_INPUTS = 0;
  public static final int L_OUTPUTS = 4;
  public static final int L_WEIGHT_FORMAT = 8;
  public static final int L_WEIGHT_EXPONENT = 9;
  public static final int L_INPUT_FRAC_BITS = 10;
  public static final int L_FLAGS = 11;
  public static final int L_BIAS_FORMAT = 12;
  public static final int L_BIAS_EXPONENT = 13;
  public static final int L_PRIOR_FORMAT = 14;
  public static final int L_RESERVED_15 = 15;
  public static final int L_WEIGHTS_OFFSET = 16;
  public static final int L_WEIGHTS_LENGTH = 20;
  public static final int L_BIASES_OFFSET = 24;
  public static final int L_BIASES_LENGTH = 28;
  public static final int L_PRIORS_OFFSET = 32;
  public static final int L_PRIORS_LENGTH = 36;

  /** Input format: unsigned 8-bit samples, real value = byte / 255. */
  public static final int INPUT_FORMAT_U8 = 1;

  /** Weight format: int16 two's complement, real value = q * 2^weightExponent. */
  public static final int WEIGHT_FORMAT_INT16 = 1;

  /** Bias format: int32 two's complement, real value = q * 2^biasExponent. */
  public static final int BIAS_FORMAT_INT32 = 1;

  /** Prior format: int16 Q15, real value = q / 32768. */
  public static final int PRIOR_FORMAT_Q15 = 1;

  public static final int ROUNDING_NEAREST = 0;
  public static final int ROUNDING_STOCHASTIC = 1;

  public static final int LAYER_FLAG_FROZEN = 1;

  /** Learning rate unit: real rate = field / 2^24; valid range 1 .. 2^24 (that is, up to 1.0). */
  public static final int LEARNING_RATE_FRAC_BITS = 24;

  public static final int MAX_LEARNING_RATE = 1 << LEARNING_RATE_FRAC_BITS;

  /** Early-exit margin unit: Q15 cosine difference; 65536 (2.0) or more can never be met. */
  public static final int MAX_EARLY_EXIT_MARGIN = 65536;

  public static final int MIN_WEIGHT_EXPONENT = -100;
  public static final int MAX_WEIGHT_EXPONENT = 100;

  /**
   * Stored weights must satisfy |q| <= this: the rest of int16 is headroom for training updates.
   */
  public static final int MAX_ABS_WEIGHT = 1 << 14;

  /** Stored biases must satisfy |q| <= this: the rest of int32 is accumulator headroom. */
  public static final int MAX_ABS_BIAS = 1 << 30;

  public static final int Q15_ONE = 1 << 15;

  /** Local loss {@code -cos(h, v_label)} (the paper's). */
  public static final int LOSS_COSINE = 0;

  /** Local loss: cross-entropy of a softmax over the cosines divided by a temperature. */
  public static final int LOSS_SOFTMAX = 1;

  /** Learning-rate schedule: the header's rate at every step. */
  public static final int SCHEDULE_CONSTANT = 0;

  /**
   * Learning-rate schedule: the header's rate times {@code (1 + cos(pi * n / N)) / 2} at step n =
   * samplesSeen, N = scheduleSteps; no update once n >= N.
   */
  public static final int SCHEDULE_COSINE = 1;

  /**
   * Header flag: the image carries per-input preprocessing statistics (MODEL_FORMAT.md, "Input
   * statistics"), in the {@link #inputStatisticsLength} bytes right before the digest.
   */
  public static final int FLAG_INPUT_STATISTICS = 1;

  /**
   * Header flag: a layer answers with the combined prediction, the class with the largest sum of
   * the cosines of the layers up to it, instead of its own cosines alone.
   */
  public static final int FLAG_COMBINED_PREDICTION = 2;

  /** Every header flag this version defines; any other bit is UNSUPPORTED_FLAGS. */
  public static final int KNOWN_FLAGS = FLAG_INPUT_STATISTICS | FLAG_COMBINED_PREDICTION;

  /** Input statistics: the largest offset, 255 pixels in 1/128 units (an input's mean of 1.0). */
  public static final int MAX_INPUT_OFFSET = 255 << 7;

  /** Input statistics: fraction bits of an input's scale (u16, so scales up to 16). */
  public static final int INPUT_SCALE_FRAC_BITS = 12;

  /** The softmax's 1 / temperature is stored in Q8; at least 1.0 (a temperature of at most 1). */
  public static final int MIN_INVERSE_TEMPERATURE = 1 << 8;

  public static final int MAX_INVERSE_TEMPERATURE = 0xFFFF;

  private ModelImage() {}

  public static int layerEntryOffset(int layer) {
    return HEADER_FIXED_LENGTH + LAYER_ENTRY_LENGTH * layer;
  }

  public static int headerLength(int layers) {
    return HEADER_FIXED_LENGTH + LAYER_ENTRY_LENGTH * layers;
  }

  public static long weightsLength(int inputs, int outputs) {
    return 2L * inputs * outputs;
  }

  public static long biasesLength(int outputs) {
    return 4L * outputs;
  }

  public static long priorsLength(int classes, int outputs) {
    return 2L * classes * outputs;
  }

  public static long align(long length) {
    return (length + SECTION_ALIGNMENT - 1) & ~(long) (SECTION_ALIGNMENT - 1);
  }

  /**
   * Exact size in bytes of a v1 image in canonical layout (each layer's weights, biases, priors in
   * layer order, each section 4-byte aligned), or -1 if the shape is outside the format's limits.
   *
   * @param outputs {@code outputs[k]} is the width of layer k; only the first {@code layers} are
   *     read
   */
  public static int imageSize(int inputSize, int classes, int[] outputs, int layers) {
    return imageSize(inputSize, classes, outputs, layers, 0);
  }

  /** Bytes of the input statistics section: an (offset u16, scale u16) pair per input. */
  public static long inputStatisticsLength(int inputSize) {
    return 4L * inputSize;
  }

  /**
   * As {@link #imageSize(int, int, int[], int)} for an image with header {@code flags}: {@link
   * #FLAG_INPUT_STATISTICS} adds the input statistics section.
   */
  public static int imageSize(int inputSize, int classes, int[] outputs, int layers, int flags) {
    if (layers < 1
        || layers > MAX_LAYERS
        || inputSize < 1
        || inputSize > MAX_WIDTH
        || classes < MIN_CLASSES
        || classes > MAX_CLASSES) {
      return -1;
    }
    long size = headerLength(layers);
    int inputs = inputSize;
    for (int k = 0; k < layers; k++) {
      int out = outputs[k];
      if (out < 1 || out > MAX_WIDTH) {
        return -1;
      }
      size +=
          align(weightsLength(inputs, out))
              + align(biasesLength(out))
              + align(priorsLength(classes, out));
      inputs = out;
    }
    if ((flags & FLAG_INPUT_STATISTICS) != 0) {
      size += inputStatisticsLength(inputSize);
    }
    size += DIGEST_LENGTH;
    return size > Integer.MAX_VALUE ? -1 : (int) size;
  }

  /**
   * The largest input fraction bits f for a layer with {@code inputs} inputs such that the forward
   * accumulator cannot overflow int32: 2^14 * (ceilSqrt(inputs) * 2^f + ceil(inputs / 2)) < 2^30,
   * capped at 15. Returns 0 if no f >= 1 is safe.
   */
  public static int maxInputFracBits(int inputs) {
    long root = ceilSqrt(inputs);
    long half = (inputs + 1L) / 2;
    for (int f = 15; f >= 1; f--) {
      if (root * (1L << f) + half < (1L << 16)) {
        return f;
      }
    }
    return 0;
  }

  /** Smallest r with r * r >= x, for x >= 0. */
  public static long ceilSqrt(long x) {
    long r = floorSqrt(x);
    return r * r == x ? r : r + 1;
  }

  /** Largest r with r * r <= x, for x >= 0 (bit by bit, exact for the whole long range). */
  public static long floorSqrt(long x) {
    long result = 0;
    long bit = 1L << 62;
    while (bit > x) {
      bit >>>= 2;
    }
    while (bit != 0) {
      if (x >= result + bit) {
        x -= result + bit;
        result = (result >>> 1) + bit;
      } else {
        result >>>= 1;
      }
      bit >>>= 2;
    }
    return result;
  }
}
