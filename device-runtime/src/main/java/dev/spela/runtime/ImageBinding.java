package dev.spela.runtime;

import static dev.spela.runtime.Arena.*;

import dev.spela.protocols.image.ImageReader;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.LittleEndian;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.protocols.image.ModelImageValidator;
import dev.spela.protocols.image.ModelImageWriter;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;
import dev.spela.runtime.kernels.DenseKernels;
import dev.spela.runtime.kernels.InputStatistics;

/**
 * The runtime's tie to its model image in flash (the allocator's side, as TFLite Micro separates it
 * from the interpreter): checking an image in one streaming pass, unpacking what training writes
 * (trainable weights, biases) into the arena, reading the rest in place a row at a time while the
 * model runs (every layer's priors, frozen layers' weights), and streaming the trained model back
 * as an image. The image a model was loaded from (its <em>source</em>) must stay unchanged in flash
 * while the model runs, until {@link #rebase} moves the source to another image with the same
 * constant sections. Allocates only in its constructor.
 */
final class ImageBinding {

  private final MemoryPlan capacity;
  private final Arena arena;
  private final ModelImageValidator validator;
  private final ModelImageDecoder decoder;
  private final ModelImageWriter writer;

  /** One row as the image stores it: int16 weights or priors, a section chunk, a digest. */
  private final byte[] row;

  private FlashRegion source;
  private int sourceOffset;
  private boolean compareFailed;

  /** Where the source's input statistics lie, or -1 if it has none (inputs are pixels / 255). */
  private int statisticsAt = -1;

  ImageBinding(MemoryPlan capacity, Arena arena) {
    this.capacity = capacity;
    this.arena = arena;
    ImageReader reader = new ImageReader(MemoryPlan.IO_BLOCK_BYTES);
    validator = new ModelImageValidator(reader);
    decoder = new ModelImageDecoder(reader);
    writer = new ModelImageWriter(capacity.writeBufferBytes());
    row = new byte[capacity.rowBufferBytes()];
  }

  // ------------------------------------------------------------------ loading

  /**
   * Validates the image at {@code region[offset, offset + length)} and sets {@code candidate} to
   * its plan; touches nothing of the model in use.
   *
   * @return {@link ImageStatus#OK}, the first failed check, or {@link ImageStatus#DOES_NOT_FIT}
   */
  int check(FlashRegion region, int offset, int length, MemoryPlan candidate) {
    int status = validator.validate(region, offset, length);
    if (status != ImageStatus.OK) {
      return status;
    }
    decoder.wrap(region, offset, length);
    status = candidate.setFrom(decoder);
    if (decoder.reader().status() != ImageStatus.OK) {
      return ImageStatus.READ_FAILED;
    }
    if (status == ImageStatus.OK && !candidate.fitsIn(capacity)) {
      status = ImageStatus.DOES_NOT_FIT;
    }
    return status;
  }

  /**
   * Makes the image {@link #check} accepted the source of {@code model}: per-layer formats and
   * section places into the arena's layer table, biases and trainable weights into the arena.
   *
   * @return {@link ImageStatus#OK}, or {@link ImageStatus#READ_FAILED} (the arena is then spoilt)
   */
  int bind(MemoryPlan model) {
    source = decoder.reader().region();
    sourceOffset = decoder.reader().offset();
    statisticsAt = decoder.hasInputStatistics() ? decoder.inputStatisticsOffset() : -1;
    int biasOffset = 0;
    int priorOffset = 0;
    for (int k = 0; k < model.layers(); k++) {
      int in = model.inputs(k);
      int out = model.outputs(k);
      arena.setInfo(k, INPUTS, in);
      arena.setInfo(k, OUTPUTS, out);
      arena.setInfo(k, FIRST_ROW, Arena.firstRow(capacity, k));
      arena.setInfo(k, BIAS_OFFSET, biasOffset);
      arena.setInfo(k, WEIGHT_EXPONENT, decoder.weightExponent(k));
      arena.setInfo(k, INPUT_FRAC_BITS, decoder.inputFracBits(k));
      arena.setInfo(k, FROZEN, model.frozen(k) ? 1 : 0);
      arena.setInfo(k, WEIGHTS_AT, decoder.weightsOffset(k));
      arena.setInfo(k, PRIORS_AT, decoder.priorsOffset(k));
      arena.setInfo(k, PRIOR_OFFSET, priorOffset);
      decoder.copyBiases(k, arena.biases, biasOffset);
      if (capacity.priorsInRam()) {
        decoder.copyPriors(k, arena.priors, priorOffset);
      }
      biasOffset += out;
      priorOffset += model.classes() * out;
      if (!model.frozen(k) && unpackWeights(k, in, out) != FlashStatus.OK) {
        return ImageStatus.READ_FAILED;
      }
    }
    return decoder.reader().status();
  }

  /** Reads layer k's weights pair by pair into its packed rows (DenseKernels' layout). */
  private int unpackWeights(int k, int in, int out) {
    int firstRow = arena.info(k, FIRST_ROW);
    boolean outputMajor = capacity.outputMajor(k);
    int maxAbs = 0;
    for (int p = 0; p < DenseKernels.pairs(in); p++) {
      int status = readPair(k, p, in, out);
      if (status != FlashStatus.OK) {
        return status;
      }
      boolean hasOdd = 2 * p + 1 < in;
      if (!outputMajor) {
        maxAbs = Math.max(maxAbs, packRow(row, out, hasOdd, arena.weights[firstRow + p]));
        continue;
      }
      for (int j = 0; j < out; j++) {
        int packed = packed(j, out, hasOdd);
        arena.weights[firstRow + j][p] = packed;
        maxAbs =
            Math.max(
                maxAbs,
                Math.max(Math.abs(DenseKernels.low(packed)), Math.abs(DenseKernels.high(packed))));
      }
    }
    arena.setInfo(k, WEIGHT_BOUND, maxAbs);
    return FlashStatus.OK;
  }

  /** The header fields of the image last checked (hyper-parameters, training position). */
  ModelImageDecoder decoder() {
    return decoder;
  }

  // ------------------------------------------------------------------ rows read in place

  /**
   * Reads the two input rows of layer k's pair p (one for the last pair of an odd input count) from
   * the source into {@link #row}.
   */
  private int readPair(int k, int p, int in, int out) {
    int rows = Math.min(2, in - 2 * p);
    int at = sourceOffset + arena.info(k, WEIGHTS_AT) + 4 * p * out;
    return source.read(at, row, 0, 2 * rows * out);
  }

  /**
   * Packs the pair's two rows of int16 weights in {@code src} (input 2p's {@code out} weights,
   * then input 2p + 1's, absent unless {@code hasOdd}) into {@code dst[0..out)}, as {@link #packed}
   * does one at a time, and returns their largest |weight|. Most of a load's instructions were
   * here: the loop has the firmware's shape (NUMERICS.md, "Kernels on the firmware"), an early
   * return that is never taken (the row buffer holds two rows of the widest layer) and an always
   * true guard that lets TeaVM prove every index in bounds.
   */
  private static int packRow(byte[] src, int out, boolean hasOdd, int[] dst) {
    int srcLength = src.length;
    int dstLength = dst.length;
    if (out > dstLength || out > srcLength >> 2) {
      return 0;
    }
    int oddMask = hasOdd ? -1 : 0;
    int max = 0;
    for (int j = 0; j < out; j++) {
      int a = 2 * j;
      int a1 = a + 1;
      int b = a + 2 * out;
      int b1 = b + 1;
      if (j > -1 && j < dstLength && a > -1 && a1 > -1 && b > -1 && b1 > -1 && a < srcLength
          && a1 < srcLength && b < srcLength && b1 < srcLength) {
        int low = (src[a] & 0xFF) | src[a1] << 8;
        int high = ((src[b] & 0xFF) | src[b1] << 8) & oddMask;
        dst[j] = DenseKernels.pack(low, high);
        max = Math.max(max, Math.max(Math.abs(low), Math.abs(high)));
      }
    }
    return max;
  }

  /** Output j of the pair in {@link #row} as a packed weight (the odd input's is 0 if absent). */
  private int packed(int j, int out, boolean hasOdd) {
    int high = hasOdd ? LittleEndian.i16(row, 2 * (out + j)) : 0;
    return DenseKernels.pack(LittleEndian.i16(row, 2 * j), high);
  }

  /**
   * Layer k's pair p as one packed row {@code dst[0..out)} (input-major), read from the source: how
   * a frozen layer's weights are used.
   */
  int readPackedPair(int k, int p, int[] dst) {
    int in = arena.info(k, INPUTS);
    int out = arena.info(k, OUTPUTS);
    int status = readPair(k, p, in, out);
    boolean hasOdd = 2 * p + 1 < in;
    for (int j = 0; j < out; j++) {
      dst[j] = packed(j, out, hasOdd);
    }
    return status;
  }

  /** True if the model's inputs are preprocessed with the input statistics of its image. */
  boolean hasInputStatistics() {
    return statisticsAt >= 0;
  }

  /**
   * The preprocessed inputs of {@code n} pixels from {@code pixels[offset..]} into {@code
   * dst[0..n)}, the statistics read from the source a row buffer at a time, scaled to the runtime's
   * input range.
   *
   * @return {@link FlashStatus#OK} or a failed read
   */
  int preprocess(byte[] pixels, int offset, int n, int[] dst) {
    int chunk = row.length >> 2;
    for (int first = 0; first < n; first += chunk) {
      int count = Math.min(chunk, n - first);
      int status = source.read(sourceOffset + statisticsAt + 4 * first, row, 0, 4 * count);
      if (status != FlashStatus.OK) {
        return status;
      }
      InputStatistics.apply(pixels, offset + first, row, count, dst, first);
    }
    InputStatistics.fitToInputRange(dst, n);
    return FlashStatus.OK;
  }

  /** Class c's prior vector of layer k into {@code dst[0..out)}, read from the source. */
  int readPrior(int k, int c, short[] dst) {
    int out = arena.info(k, OUTPUTS);
    int at = sourceOffset + arena.info(k, PRIORS_AT) + 2 * c * out;
    int status = source.read(at, row, 0, 2 * out);
    readShorts(row, out, dst);
    return status;
  }

  /**
   * The first {@code count} little-endian int16 of {@code src} into {@code dst}: in a step's
   * instructions on the firmware (a prior per class and layer), so shaped as {@link #packRow}.
   */
  private static void readShorts(byte[] src, int count, short[] dst) {
    int srcLength = src.length;
    int dstLength = dst.length;
    if (count > dstLength || count > srcLength >> 1) {
      return;
    }
    for (int j = 0; j < count; j++) {
      int a = 2 * j;
      int a1 = a + 1;
      if (j > -1 && a > -1 && a1 > -1 && j < dstLength && a < srcLength && a1 < srcLength) {
        dst[j] = (short) ((src[a] & 0xFF) | src[a1] << 8);
      }
    }
  }

  // ------------------------------------------------------------------ writing

  /** The streaming writer: {@link SpelaRuntime#writeImage} starts it and sets the header. */
  ModelImageWriter writer() {
    return writer;
  }

  /**
   * Streams every section of {@code model} in canonical order: trainable weights from the arena,
   * frozen weights and priors copied from the source, biases from the arena; then the input
   * statistics, if any, copied from the source.
   *
   * @return {@link FlashStatus#OK} or a failed read of the source
   */
  int writeSections(MemoryPlan model) {
    for (int k = 0; k < model.layers(); k++) {
      int in = model.inputs(k);
      int out = model.outputs(k);
      int status =
          model.frozen(k)
              ? copySection(arena.info(k, WEIGHTS_AT), (int) ModelImage.weightsLength(in, out))
              : writeWeights(k, in, out);
      writer.align();
      int biasOffset = arena.info(k, BIAS_OFFSET);
      for (int j = 0; j < out; j++) {
        writer.put32(arena.biases[biasOffset + j]);
      }
      writer.align();
      if (status == FlashStatus.OK) {
        status =
            copySection(
                arena.info(k, PRIORS_AT), (int) ModelImage.priorsLength(model.classes(), out));
      }
      writer.align();
      if (status != FlashStatus.OK) {
        return status;
      }
    }
    return hasInputStatistics()
        ? copySection(statisticsAt, (int) ModelImage.inputStatisticsLength(model.inputSize()))
        : FlashStatus.OK;
  }

  /** Layer k's packed rows as the image's input-major int16 weights. */
  private int writeWeights(int k, int in, int out) {
    int firstRow = arena.info(k, FIRST_ROW);
    boolean outputMajor = capacity.outputMajor(k);
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        int v =
            outputMajor
                ? arena.weights[firstRow + j][i >> 1]
                : arena.weights[firstRow + (i >> 1)][j];
        writer.put16((i & 1) == 0 ? DenseKernels.low(v) : DenseKernels.high(v));
      }
    }
    return FlashStatus.OK;
  }

  /** Copies {@code length} bytes of the source image from {@code at} to the writer. */
  private int copySection(int at, int length) {
    for (int done = 0; done < length; ) {
      int n = Math.min(row.length, length - done);
      int status = source.read(sourceOffset + at + done, row, 0, n);
      if (status != FlashStatus.OK) {
        return status;
      }
      writer.putBytes(row, 0, n);
      done += n;
    }
    return FlashStatus.OK;
  }

  /**
   * Makes the image at {@code region[offset, offset + length)} the source, if it holds this model's
   * constant sections byte for byte (same shape, same priors, same frozen weights): a checkpoint
   * this runtime wrote, or the image a checkpoint was trained from. The region the model was read
   * from may then be erased. The new image's header must be sound (it was validated, or written by
   * this runtime); its sections are compared with the source's, a chunk at a time.
   *
   * @return {@link ImageStatus#OK}, {@link RuntimeStatus#DIFFERENT_IMAGE}, or {@link
   *     ImageStatus#READ_FAILED}
   */
  int rebase(FlashRegion region, int offset, int length, MemoryPlan model) {
    if (region == null || !FlashStatus.inside(offset, length, region.size())) {
      return RuntimeStatus.DIFFERENT_IMAGE;
    }
    decoder.wrap(region, offset, length);
    boolean same =
        decoder.layerCount() == model.layers()
            && decoder.classCount() == model.classes()
            && decoder.inputSize() == model.inputSize()
            && decoder.hasInputStatistics() == hasInputStatistics()
            && (!hasInputStatistics()
                || sameBytes(
                    statisticsAt,
                    region,
                    offset + decoder.inputStatisticsOffset(),
                    (int) ModelImage.inputStatisticsLength(model.inputSize())));
    for (int k = 0; same && k < model.layers(); k++) {
      int in = model.inputs(k);
      int out = model.outputs(k);
      same =
          decoder.outputs(k) == out
              && decoder.frozen(k) == model.frozen(k)
              && decoder.priorsLength(k) == ModelImage.priorsLength(model.classes(), out)
              && sameBytes(
                  arena.info(k, PRIORS_AT),
                  region,
                  offset + decoder.priorsOffset(k),
                  decoder.priorsLength(k))
              && (!model.frozen(k)
                  || decoder.weightsLength(k) == ModelImage.weightsLength(in, out)
                      && sameBytes(
                          arena.info(k, WEIGHTS_AT),
                          region,
                          offset + decoder.weightsOffset(k),
                          decoder.weightsLength(k)));
    }
    if (decoder.reader().status() != ImageStatus.OK || compareFailed) {
      compareFailed = false;
      return ImageStatus.READ_FAILED;
    }
    if (!same) {
      return RuntimeStatus.DIFFERENT_IMAGE;
    }
    for (int k = 0; k < model.layers(); k++) {
      arena.setInfo(k, WEIGHTS_AT, decoder.weightsOffset(k));
      arena.setInfo(k, PRIORS_AT, decoder.priorsOffset(k));
    }
    if (hasInputStatistics()) {
      statisticsAt = decoder.inputStatisticsOffset();
    }
    source = region;
    sourceOffset = offset;
    return ImageStatus.OK;
  }

  /**
   * True if {@code length} bytes of the source from {@code at} equal those of {@code other} from
   * {@code otherAt} (halves of the row buffer hold a chunk of each).
   */
  private boolean sameBytes(int at, FlashRegion other, int otherAt, int length) {
    int half = row.length / 2;
    for (int done = 0; done < length; done += half) {
      int n = Math.min(half, length - done);
      if (source.read(sourceOffset + at + done, row, 0, n) != FlashStatus.OK
          || other.read(otherAt + done, row, half, n) != FlashStatus.OK) {
        compareFailed = true;
        return false;
      }
      for (int k = 0; k < n; k++) {
        if (row[k] != row[half + k]) {
          return false;
        }
      }
    }
    return true;
  }

  /** The length an image in flash declares (see the validator). */
  int declaredLength(FlashRegion region, int offset) {
    return validator.declaredLength(region, offset);
  }

  /** Copies the SHA-256 of the whole image last validated (see the validator) if it passed. */
  boolean wholeImageSha256(byte[] out, int offset) {
    return validator.wholeImageSha256(out, offset);
  }
}
