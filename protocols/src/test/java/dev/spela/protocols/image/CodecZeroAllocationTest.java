package dev.spela.protocols.image;

import static dev.spela.subset.AllocationMeter.assertAllocatesNothing;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.subset.AllocationMeter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The image validator, encoder and decoder allocate nothing after construction, from their very
 * first call: accepting an image, rejecting one with each of the validator's codes, encoding one,
 * refusing a layout, reading one back; validating in place from flash through a small block
 * (sections in reverse order) and streaming an image to flash. Everything is built first; the first
 * test measures first calls, the second warm ones. Maven runs this under -Xint, in a JVM of its
 * own.
 */
@Tag("zero-allocation")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CodecZeroAllocationTest {

  static {
    // Initialisation, as on the device: the program is loaded (see AllocationMeter).
    AllocationMeter.loadClasses(
        CodecZeroAllocationTest.class.getClassLoader(), Path.of("target", "classes"));
  }

  /** An image the validator must refuse with {@code status}: {@code buffer[0, length)}. */
  private record Rejected(int status, byte[] buffer, int length) {}

  private static final int INPUTS = 40;
  private static final int CLASSES = 5;
  private static final int[] OUTPUTS = {24, 8};
  private static final byte[] GOOD = TestImages.build(INPUTS, CLASSES, OUTPUTS, 1);
  private static final Rejected[] REJECTED = rejections();

  private static final ModelImageValidator VALIDATOR = new ModelImageValidator();
  private static final ModelImageEncoder ENCODER = new ModelImageEncoder();
  private static final ModelImageDecoder DECODER = new ModelImageDecoder();
  private static final byte[] ENCODED = new byte[GOOD.length];
  private static final short[] WEIGHTS = new short[INPUTS * OUTPUTS[0]];
  private static final int[] BIASES = new int[OUTPUTS[0]];
  private static final short[] PRIORS = new short[CLASSES * OUTPUTS[0]];
  private static final ModelImageValidator STREAMING = new ModelImageValidator(new ImageReader(32));
  private static final ArrayFlash SHUFFLED =
      new ArrayFlash(StreamingImageTest.reversedSections(GOOD, 8));
  private static final ModelImageWriter WRITER = new ModelImageWriter(256);
  private static final ArrayFlash FLASH = new ArrayFlash(4 * 4096, 4096);
  private static final byte[] DIGEST = new byte[32];

  private static Rejected[] rejections() {
    int weights =
        LittleEndian.i32(GOOD, ModelImage.layerEntryOffset(0) + ModelImage.L_WEIGHTS_OFFSET);
    return new Rejected[] {
      new Rejected(ImageStatus.BAD_ARGUMENT, null, 0),
      new Rejected(ImageStatus.TRUNCATED, GOOD, 10),
      edited(ImageStatus.BAD_MAGIC, false, b -> LittleEndian.put32(b, ModelImage.OFF_MAGIC, 0)),
      edited(
          ImageStatus.UNSUPPORTED_VERSION,
          false,
          b -> LittleEndian.put16(b, ModelImage.OFF_VERSION, 2)),
      edited(
          ImageStatus.UNSUPPORTED_FLAGS,
          false,
          b -> LittleEndian.put16(b, ModelImage.OFF_FLAGS, 4)),
      edited(
          ImageStatus.BAD_LAYER_COUNT,
          false,
          b -> LittleEndian.put16(b, ModelImage.OFF_LAYER_COUNT, 0)),
      edited(
          ImageStatus.BAD_HEADER_LENGTH,
          false,
          b -> LittleEndian.put32(b, ModelImage.OFF_HEADER_LENGTH, ModelImage.headerLength(2) + 4)),
      new Rejected(
          ImageStatus.LENGTH_MISMATCH, Arrays.copyOf(GOOD, GOOD.length + 4), GOOD.length + 4),
      edited(ImageStatus.BAD_HEADER_CHECKSUM, false, b -> b[ModelImage.OFF_LEARNING_RATE] ^= 1),
      edited(ImageStatus.BAD_DIGEST, false, b -> b[b.length - ModelImage.DIGEST_LENGTH - 1] ^= 1),
      edited(
          ImageStatus.BAD_SHAPE, true, b -> LittleEndian.put16(b, ModelImage.OFF_CLASS_COUNT, 1)),
      edited(
          ImageStatus.UNSUPPORTED_NUMBER_FORMAT,
          true,
          b -> LittleEndian.put8(b, ModelImage.OFF_INPUT_FORMAT, 2)),
      edited(
          ImageStatus.BAD_SECTION,
          true,
          b ->
              LittleEndian.put32(
                  b, ModelImage.layerEntryOffset(0) + ModelImage.L_WEIGHTS_OFFSET, weights + 4)),
      edited(
          ImageStatus.BAD_PARAMETER,
          true,
          b -> LittleEndian.put32(b, ModelImage.OFF_LEARNING_RATE, 0)),
      edited(
          ImageStatus.BAD_VALUES,
          true,
          b -> LittleEndian.put16(b, weights, ModelImage.MAX_ABS_WEIGHT + 1)),
    };
  }

  private static Rejected edited(int status, boolean reseal, Consumer<byte[]> edit) {
    byte[] image = GOOD.clone();
    edit.accept(image);
    if (reseal) {
      TestImages.reseal(image);
    }
    return new Rejected(status, image, image.length);
  }

  /** What the measured calls returned, checked after each measurement. */
  private final int[] results = new int[REJECTED.length + 1];

  private final int[] layouts = new int[3];
  private final long[] decoded = new long[1];
  private final int[] streamed = new int[3];

  @Test
  @Order(1)
  void theFirstCallsAfterConstructionAllocateNothing() {
    assertAllocatesNothing(
        "first validation", () -> results[0] = VALIDATOR.validate(GOOD, 0, GOOD.length));
    assertEquals(ImageStatus.OK, results[0]);
    assertAllocatesNothing("first rejection of each kind", this::rejectAll);
    checkRejections();
    assertAllocatesNothing("first encoding and refused layouts", this::encode);
    checkEncoding();
    assertAllocatesNothing("first decoding", this::decode);
    assertAllocatesNothing("first validation and writing in place", this::stream);
    checkStreaming();
  }

  @Test
  @Order(2)
  void warmCallsAllocateNothing() {
    assertAllocatesNothing(
        "50 rounds of validations, rejections, encodings and decodings",
        () -> {
          for (int n = 0; n < 50; n++) {
            results[0] = VALIDATOR.validate(GOOD, 0, GOOD.length);
            rejectAll();
            encode();
            decode();
            stream();
          }
        });
    assertEquals(ImageStatus.OK, results[0]);
    checkRejections();
    checkEncoding();
    checkStreaming();
  }

  @Test
  void everyValidatorRejectionCodeIsCovered() {
    int[] codes = new int[REJECTED.length];
    for (int k = 0; k < REJECTED.length; k++) {
      codes[k] = REJECTED[k].status();
    }
    Arrays.sort(codes);
    // Every code from BAD_VALUES (-15) to BAD_ARGUMENT (-1); DOES_NOT_FIT is the runtime's.
    int[] all = new int[15];
    for (int k = 0; k < all.length; k++) {
      all[k] = ImageStatus.BAD_VALUES + k;
    }
    assertEquals(Arrays.toString(all), Arrays.toString(codes));
  }

  private void rejectAll() {
    for (int k = 0; k < REJECTED.length; k++) {
      results[k + 1] = VALIDATOR.validate(REJECTED[k].buffer(), 0, REJECTED[k].length());
    }
  }

  private void checkRejections() {
    for (int k = 0; k < REJECTED.length; k++) {
      assertEquals(
          ImageStatus.name(REJECTED[k].status()),
          ImageStatus.name(results[k + 1]),
          "rejection " + k);
    }
  }

  private void encode() {
    layouts[0] = ENCODER.wrap(ENCODED, 0, ENCODED.length).layout(INPUTS, 1, OUTPUTS, 2);
    layouts[1] = ENCODER.wrap(ENCODED, 0, ENCODED.length - 1).layout(INPUTS, CLASSES, OUTPUTS, 2);
    layouts[2] = ENCODER.wrap(ENCODED, 0, ENCODED.length).layout(INPUTS, CLASSES, OUTPUTS, 2);
    DECODER.wrap(GOOD, 0, GOOD.length);
    for (int k = 0; k < OUTPUTS.length; k++) {
      DECODER.copyWeights(k, WEIGHTS, 0);
      DECODER.copyBiases(k, BIASES, 0);
      DECODER.copyPriors(k, PRIORS, 0);
      ENCODER
          .layerFormat(k, DECODER.weightExponent(k), DECODER.inputFracBits(k), DECODER.frozen(k))
          .putWeights(k, WEIGHTS, 0)
          .putBiases(k, BIASES, 0)
          .putPriors(k, PRIORS, 0);
    }
    ENCODER
        .learningRate(DECODER.learningRate())
        .earlyExitMargin(DECODER.earlyExitMargin())
        .roundingMode(DECODER.roundingMode())
        .rngSeed(DECODER.rngSeed())
        .samplesSeen(DECODER.samplesSeen())
        .seal();
  }

  private void checkEncoding() {
    assertEquals(-1, layouts[0], "layout of an invalid shape");
    assertEquals(-1, layouts[1], "layout into a buffer of the wrong length");
    assertEquals(GOOD.length, layouts[2]);
    assertEquals(Arrays.toString(GOOD), Arrays.toString(ENCODED));
  }

  /** Validates an image in place through a 32-byte block; streams one to flash (erased first). */
  private void stream() {
    streamed[0] = STREAMING.validate(SHUFFLED, 0, STREAMING.declaredLength(SHUFFLED, 0));
    streamed[1] = STREAMING.wholeImageSha256(DIGEST, 0) ? 0 : -1;
    FLASH.erase(0, FLASH.size());
    int size = WRITER.begin(FLASH, 4096, INPUTS, CLASSES, OUTPUTS, 2);
    for (int k = ModelImage.headerLength(2); k < size - ModelImage.DIGEST_LENGTH; k += 4) {
      WRITER.put32(k);
    }
    streamed[2] = WRITER.finish();
  }

  private void checkStreaming() {
    assertEquals(ImageStatus.OK, streamed[0], "validation in place");
    assertEquals(0, streamed[1], "the whole image's digest");
    assertEquals(ImageStatus.OK, streamed[2], "an image streamed to flash");
  }

  private void decode() {
    DECODER.wrap(ENCODED, 0, ENCODED.length);
    long sum = 0;
    for (int k = 0; k < DECODER.layerCount(); k++) {
      sum += DECODER.inputs(k) + DECODER.outputs(k) + DECODER.weight(k, 3) + DECODER.bias(k, 2);
      sum += DECODER.prior(k, 1) + DECODER.weightsOffset(k) + DECODER.priorsLength(k);
    }
    decoded[0] = sum;
  }
}
