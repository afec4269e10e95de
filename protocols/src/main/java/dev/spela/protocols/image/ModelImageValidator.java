package dev.spela.protocols.image;

import static dev.spela.protocols.image.ModelImage.*;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.checksum.Crc32;
import dev.spela.protocols.checksum.Sha256;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;
import dev.spela.protocols.subset.SteadyState;

/**
 * Checks every rule of format v1 before any byte of an image is used (MODEL_FORMAT.md,
 * "Validation"), reading the image in place through an {@link ImageReader} in one streaming pass:
 * the fixed header and header CRC first, then the header's fields and sections, then every byte of
 * the body once, for the SHA-256 and for the values in every section. Failures are reported in the
 * reference order whatever the pass found first. Never throws on any input, allocates nothing after
 * construction, and returns an {@link ImageStatus} code.
 */
@SteadyState
public final class ModelImageValidator {

  private static final int WEIGHTS = 0;
  private static final int BIASES = 1;
  private static final int PRIORS = 2;
  private static final int INPUT_STATISTICS = 3;

  // What hashRange feeds its bytes to.
  private static final int HEADER_CRC = 0;
  private static final int BODY = 1;
  private static final int SECTION = 2;

  private final ImageReader reader;
  private final ModelImageDecoder image;
  private final ArrayFlash array = new ArrayFlash();
  private final Crc32 crc = new Crc32();
  private final Sha256 sha = new Sha256();
  private final Sha256 wholeSha = new Sha256();
  private final byte[] storedDigest = new byte[DIGEST_LENGTH];
  private final byte[] wholeDigest = new byte[DIGEST_LENGTH];
  private boolean wholeDigestValid;
  // Values check of the section being streamed.
  private int valuesStatus;
  private int sectionKind;
  private int sectionStart;
  private int priorWidth;
  private long priorSumSquares;
  private long priorTolerance;

  /** A validator with a reader of its own ({@link ModelImageDecoder#DEFAULT_BLOCK_BYTES}). */
  public ModelImageValidator() {
    this(new ImageReader(ModelImageDecoder.DEFAULT_BLOCK_BYTES));
  }

  /** A validator reading through {@code reader} (shared with its owner between validations). */
  public ModelImageValidator(ImageReader reader) {
    this.reader = reader;
    image = new ModelImageDecoder(reader);
  }

  /** Validates {@code buffer[offset, offset + length)}. */
  public int validate(byte[] buffer, int offset, int length) {
    if (buffer == null || offset < 0 || length < 0 || offset > buffer.length - length) {
      return ImageStatus.BAD_ARGUMENT;
    }
    int status = validate(array.wrap(buffer, offset, length), 0, length);
    array.wrap(null, 0, 0);
    return status;
  }

  /** Validates the image at {@code region[offset, offset + length)}, reading it in place. */
  public int validate(FlashRegion region, int offset, int length) {
    wholeDigestValid = false;
    if (region == null || !FlashStatus.inside(offset, length, region.size())) {
      return ImageStatus.BAD_ARGUMENT;
    }
    if (length < HEADER_FIXED_LENGTH + DIGEST_LENGTH) {
      return ImageStatus.TRUNCATED;
    }
    image.wrap(region, offset, length);
    int status = checkEnvelope(length);
    if (status == ImageStatus.OK) {
      int structure = checkParameters();
      if (structure == ImageStatus.OK) {
        structure = checkLayers();
      }
      if (structure == ImageStatus.OK) {
        structure = checkSectionsDisjoint();
      }
      status = streamBody(length, structure == ImageStatus.OK);
      if (status == ImageStatus.OK && structure != ImageStatus.OK) {
        status = structure;
      }
    }
    return reader.status() != ImageStatus.OK ? ImageStatus.READ_FAILED : status;
  }

  /**
   * The length an image at {@code region[offset..]} declares, limited to the bytes the region has
   * from there (a longer declaration then validates as {@link ImageStatus#TRUNCATED}); {@link
   * ImageStatus#BAD_MAGIC} if no image starts there (an erased slot), or another negative status.
   */
  public int declaredLength(FlashRegion region, int offset) {
    if (region == null || offset < 0 || offset > region.size()) {
      return ImageStatus.BAD_ARGUMENT;
    }
    int available = region.size() - offset;
    if (available < HEADER_FIXED_LENGTH + DIGEST_LENGTH) {
      return ImageStatus.TRUNCATED;
    }
    image.wrap(region, offset, HEADER_FIXED_LENGTH);
    int magic = image.magic();
    int declared = image.imageLength();
    if (reader.status() != ImageStatus.OK) {
      return ImageStatus.READ_FAILED;
    }
    if (magic != MAGIC) {
      return ImageStatus.BAD_MAGIC;
    }
    return declared < 0 || declared > available ? available : declared;
  }

  /**
   * Copies the SHA-256 of the whole image last validated, its digest included (the name an image
   * transfer gives it, PROTOCOL.md OFFER), to {@code out[offset..]}.
   *
   * @return false (nothing copied) unless the last validation passed the digest check (and {@code
   *     out} has room)
   */
  public boolean wholeImageSha256(byte[] out, int offset) {
    if (wholeDigestValid && Bounds.within(out, offset, DIGEST_LENGTH)) {
      System.arraycopy(wholeDigest, 0, out, offset, DIGEST_LENGTH);
    }
    return wholeDigestValid;
  }

  private int checkEnvelope(int length) {
    if (image.magic() != MAGIC) {
      return ImageStatus.BAD_MAGIC;
    }
    if (image.version() != VERSION) {
      return ImageStatus.UNSUPPORTED_VERSION;
    }
    if ((image.flags() & ~KNOWN_FLAGS) != 0) {
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
    crc.reset();
    hashRange(0, OFF_HEADER_CRC, HEADER_CRC);
    hashRange(OFF_HEADER_CRC + 4, headerLength, HEADER_CRC);
    if (crc.value() != image.headerCrc()) {
      return ImageStatus.BAD_HEADER_CHECKSUM;
    }
    int declared = image.imageLength();
    if (declared < 0 || declared > length) {
      return ImageStatus.TRUNCATED;
    }
    return declared < length ? ImageStatus.LENGTH_MISMATCH : ImageStatus.OK;
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
        || image.samplesSeen() < 0
        || !lossValid(image.lossKind(), image.inverseTemperature())
        || !scheduleValid(image.scheduleKind(), image.scheduleSteps())) {
      return ImageStatus.BAD_PARAMETER;
    }
    return ImageStatus.OK;
  }

  /** The cosine loss has no temperature; the softmax's 1 / T is within its range. */
  public static boolean lossValid(int kind, int inverseTemperatureQ8) {
    if (kind == LOSS_COSINE) {
      return inverseTemperatureQ8 == 0;
    }
    return kind == LOSS_SOFTMAX
        && inverseTemperatureQ8 >= MIN_INVERSE_TEMPERATURE
        && inverseTemperatureQ8 <= MAX_INVERSE_TEMPERATURE;
  }

  /** A constant rate has no length; the cosine schedule runs over 1 .. 2^31 - 1 steps. */
  public static boolean scheduleValid(int kind, int steps) {
    return kind == SCHEDULE_CONSTANT ? steps == 0 : kind == SCHEDULE_COSINE && steps >= 1;
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
    if (image.hasInputStatistics()
        && !sectionInBody(
            image.inputStatisticsOffset(),
            (int) inputStatisticsLength(image.inputSize()),
            inputStatisticsLength(image.inputSize()),
            headerLength,
            bodyEnd)) {
      return ImageStatus.BAD_SECTION;
    }
    return ImageStatus.OK;
  }

  private static boolean sectionInBody(
      int offset, int length, long expectedLength, int headerLength, int bodyEnd) {
    return length == expectedLength
        && offset >= headerLength
        && offset % SECTION_ALIGNMENT == 0
        && (long) offset + length <= bodyEnd;
  }

  /**
   * Pairwise check over the 3 * layers sections and the input statistics (at most 193, so at most
   * 18,528 comparisons).
   */
  private int checkSectionsDisjoint() {
    int sections = image.sectionCount();
    for (int a = 0; a < sections; a++) {
      long startA = image.sectionOffset(a);
      long endA = startA + image.sectionLength(a);
      for (int b = a + 1; b < sections; b++) {
        long startB = image.sectionOffset(b);
        if (startB < endA && startA < startB + image.sectionLength(b)) {
          return ImageStatus.BAD_SECTION;
        }
      }
    }
    return ImageStatus.OK;
  }

  /**
   * Streams the body {@code [0, length - 32)} once into the SHA-256 and, if the header's sections
   * are sound ({@code checkValues}), checks every value of every section on the way, section by
   * section in the order they lie in the image (header fields are read between sections, never
   * within one). Then compares the digest.
   *
   * @return {@link ImageStatus#BAD_DIGEST}, else the first values failure, else OK
   */
  private int streamBody(int length, boolean checkValues) {
    int bodyEnd = length - DIGEST_LENGTH;
    sha.reset();
    valuesStatus = ImageStatus.OK;
    int position = 0;
    int sections = checkValues ? image.sectionCount() : 0;
    while (position < bodyEnd) {
      int next = nextSection(position, sections);
      int start = next < 0 ? bodyEnd : image.sectionOffset(next);
      hashRange(position, start, BODY);
      position = start;
      if (next >= 0) {
        int end = start + image.sectionLength(next);
        beginValues(next, start);
        hashRange(start, end, SECTION);
        position = end;
      }
    }
    if (reader.read(bodyEnd, storedDigest, 0, DIGEST_LENGTH) != ImageStatus.OK) {
      return ImageStatus.READ_FAILED;
    }
    wholeSha.copyFrom(sha);
    if (!sha.finishAndCompare(storedDigest, 0)) {
      return ImageStatus.BAD_DIGEST;
    }
    wholeSha.update(storedDigest, 0, DIGEST_LENGTH);
    wholeSha.finish(wholeDigest, 0);
    wholeDigestValid = true;
    return valuesStatus;
  }

  /** The section with the smallest offset at or after {@code position}, or -1. */
  private int nextSection(int position, int sections) {
    int best = -1;
    int bestOffset = Integer.MAX_VALUE;
    for (int s = 0; s < sections; s++) {
      int offset = image.sectionOffset(s);
      if (offset >= position && offset < bestOffset) {
        best = s;
        bestOffset = offset;
      }
    }
    return best;
  }

  private void beginValues(int section, int start) {
    sectionKind = section == 3 * image.layerCount() ? INPUT_STATISTICS : section % 3;
    sectionStart = start;
    if (sectionKind == PRIORS) {
      priorWidth = image.outputs(section / 3);
      priorSumSquares = 0;
      priorTolerance = (long) Q15_ONE * (ceilSqrt(priorWidth) + 2);
    }
  }

  /**
   * Feeds image bytes {@code [from, to)}, a block at a time, to the header CRC, to the SHA-256
   * ({@code BODY}), or to the SHA-256 and the values check of the current section ({@code
   * SECTION}).
   */
  private void hashRange(int from, int to, int mode) {
    int at = from;
    while (at < to) {
      int available = reader.fetch(at);
      if (available == 0) {
        return;
      }
      int count = Math.min(available, to - at);
      int index = reader.bufferIndex(at);
      if (mode == HEADER_CRC) {
        crc.update(reader.buffer(), index, count);
      } else {
        sha.update(reader.buffer(), index, count);
        if (mode == SECTION && valuesStatus == ImageStatus.OK) {
          checkValues(reader.buffer(), index, count, at - sectionStart);
        }
      }
      at += count;
    }
  }

  /**
   * Checks the values in {@code buffer[index, index + count)}, which start {@code sectionOffset}
   * bytes into the current section (values never straddle blocks: sections are 4-aligned).
   */
  private void checkValues(byte[] buffer, int index, int count, int sectionOffset) {
    int end = index + count;
    if (sectionKind == WEIGHTS) {
      if (!weightsInRange(buffer, index, end)) {
        valuesStatus = ImageStatus.BAD_VALUES;
      }
    } else if (sectionKind == BIASES) {
      for (int i = index; i < end; i += 4) {
        int q = LittleEndian.i32(buffer, i);
        if (q > MAX_ABS_BIAS || q < -MAX_ABS_BIAS) {
          valuesStatus = ImageStatus.BAD_VALUES;
          return;
        }
      }
    } else if (sectionKind == INPUT_STATISTICS) {
      for (int i = index; i < end; i += 4) {
        if (LittleEndian.u16(buffer, i) > MAX_INPUT_OFFSET) {
          valuesStatus = ImageStatus.BAD_VALUES;
          return;
        }
      }
    } else {
      int width = priorWidth;
      if (width <= 0) {
        return; // never (a layer has outputs); shows the subset check the division is safe
      }
      int element = sectionOffset >> 1;
      for (int i = index; i < end; i += 2, element++) {
        int q = LittleEndian.i16(buffer, i);
        priorSumSquares += (long) q * q;
        if (element % width == width - 1) {
          long error = priorSumSquares - (1L << 30);
          if (error > priorTolerance || error < -priorTolerance) {
            valuesStatus = ImageStatus.BAD_VALUES;
            return;
          }
          priorSumSquares = 0;
        }
      }
    }
  }

  /**
   * True if every int16 weight in {@code buffer[from, to)} is within +-{@link
   * ModelImage#MAX_ABS_WEIGHT}. Branch-free over the block, and shaped for the firmware (most of a
   * load's values are weights): the early return (never taken: the reader's block) and the guard
   * (always true after it) let TeaVM prove the indices in bounds (NUMERICS.md, "Kernels on the
   * firmware").
   */
  private static boolean weightsInRange(byte[] buffer, int from, int to) {
    int length = buffer.length;
    if (from < 0 || to > length) {
      return false;
    }
    int outside = 0;
    for (int i = from; i < to; i += 2) {
      int i1 = i + 1;
      if (i > -1 && i1 > -1 && i < length && i1 < length) {
        int q = (buffer[i] & 0xFF) | buffer[i1] << 8;
        // negative exactly when q > MAX_ABS_WEIGHT or q < -MAX_ABS_WEIGHT
        outside |= (MAX_ABS_WEIGHT - q) | (q + MAX_ABS_WEIGHT);
      }
    }
    return outside >= 0;
  }
}
