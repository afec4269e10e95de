package dev.spela.protocols.image;

import static dev.spela.protocols.image.ModelImage.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.storage.FlashRegion;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ModelImageCodecTest {

  private final ModelImageValidator validator = new ModelImageValidator();

  @Test
  void sizeIsExactAndCanonicalLayoutIsAligned() {
    // header 64 + 2*40; layer 0: 12*8*2=192, 32, 3*8*2=48; layer 1: 8*4*2=64, 16, 24; digest 32
    assertEquals(144 + 192 + 32 + 48 + 64 + 16 + 24 + 32, imageSize(12, 3, new int[] {8, 4}, 2));
    // odd sizes are padded to 4: 3*1*2 = 6 -> 8, 2*1*2 = 4, 4
    assertEquals(104 + 8 + 4 + 4 + 32, imageSize(3, 2, new int[] {1}, 1));
    assertEquals(-1, imageSize(3, 1, new int[] {1}, 1));
    assertEquals(-1, imageSize(65535, 2, new int[] {65535, 65535}, 2));
  }

  @Test
  void roundTripThroughDecoder() {
    byte[] image = TestImages.small(3);
    assertEquals(ImageStatus.OK, validator.validate(image, 0, image.length));
    ModelImageDecoder d = new ModelImageDecoder().wrap(image, 0, image.length);
    assertEquals(MAGIC, d.magic());
    assertEquals('S', image[0]);
    assertEquals('L', image[3]);
    assertEquals(2, d.layerCount());
    assertEquals(3, d.classCount());
    assertEquals(12, d.inputSize());
    assertEquals(12, d.inputs(0));
    assertEquals(8, d.outputs(0));
    assertEquals(8, d.inputs(1));
    assertEquals(-15, d.weightExponent(1));
    assertEquals(maxInputFracBits(8), d.inputFracBits(1));
    assertEquals(-15 - maxInputFracBits(8), d.biasExponent(1));
    assertEquals(167772, d.learningRate());
    assertEquals(3, d.rngSeed());
    assertEquals(144, d.weightsOffset(0));
    short[] weights = new short[96];
    d.copyWeights(0, weights, 0);
    assertEquals(d.weight(0, 95), weights[95]);
    short[] priors = new short[12];
    d.copyPriors(1, priors, 0);
    assertEquals(32767, priors[1 * 4 + 1]);
    int[] biases = new int[4];
    d.copyBiases(1, biases, 0);
    assertEquals(d.bias(1, 3), biases[3]);
  }

  @Test
  void inputStatisticsLieBeforeTheDigestAndAreValidatedAndTheOtherFlagIsCombinedPrediction() {
    int plain = imageSize(12, 3, new int[] {8, 4}, 2);
    assertEquals(plain + 4 * 12, imageSize(12, 3, new int[] {8, 4}, 2, FLAG_INPUT_STATISTICS));
    byte[] image = TestImages.build(12, 3, new int[] {8, 4}, 5, FLAG_INPUT_STATISTICS);
    assertEquals(ImageStatus.OK, validator.validate(image, 0, image.length));
    ModelImageDecoder d = new ModelImageDecoder().wrap(image, 0, image.length);
    assertTrue(d.hasInputStatistics());
    assertEquals(7, d.sectionCount());
    assertEquals(image.length - 32 - 48, d.inputStatisticsOffset());
    assertEquals(LittleEndian.u16(image, image.length - 32 - 2), d.inputScale(11));
    new ModelImageEncoder().wrap(image, 0, image.length).inputStatistic(11, MAX_INPUT_OFFSET, 65535);
    TestImages.reseal(image);
    assertEquals(ImageStatus.OK, validator.validate(image, 0, image.length));
    assertEquals(MAX_INPUT_OFFSET, d.inputOffset(11));
    assertEquals(65535, d.inputScale(11));
    LittleEndian.put16(image, d.inputStatisticsOffset() + 4 * 11, MAX_INPUT_OFFSET + 1);
    TestImages.reseal(image);
    assertEquals(ImageStatus.BAD_VALUES, validator.validate(image, 0, image.length));
    // The flag on an image without room for them: the statistics would overlap the last priors.
    byte[] flagged = TestImages.small(5);
    LittleEndian.put16(flagged, OFF_FLAGS, FLAG_INPUT_STATISTICS);
    TestImages.reseal(flagged);
    assertEquals(ImageStatus.BAD_SECTION, validator.validate(flagged, 0, flagged.length));
    LittleEndian.put16(flagged, OFF_FLAGS, FLAG_COMBINED_PREDICTION);
    TestImages.reseal(flagged);
    assertEquals(ImageStatus.OK, validator.validate(flagged, 0, flagged.length));
    LittleEndian.put16(flagged, OFF_FLAGS, 4);
    TestImages.reseal(flagged);
    assertEquals(ImageStatus.UNSUPPORTED_FLAGS, validator.validate(flagged, 0, flagged.length));
  }

  @Test
  void theScheduleFieldsAreValidatedAndRead() {
    int[][] cases = {
      // kind, steps, expected status
      {SCHEDULE_CONSTANT, 0, ImageStatus.OK},
      {SCHEDULE_COSINE, 1, ImageStatus.OK},
      {SCHEDULE_COSINE, 1_200_000, ImageStatus.OK},
      {SCHEDULE_COSINE, Integer.MAX_VALUE, ImageStatus.OK},
      {SCHEDULE_COSINE, 0, ImageStatus.BAD_PARAMETER},
      {SCHEDULE_COSINE, Integer.MIN_VALUE, ImageStatus.BAD_PARAMETER},
      {SCHEDULE_CONSTANT, 5, ImageStatus.BAD_PARAMETER},
      {2, 5, ImageStatus.BAD_PARAMETER},
    };
    for (int[] c : cases) {
      byte[] image = TestImages.small(7);
      new ModelImageEncoder().wrap(image, 0, image.length).schedule(c[0], c[1]);
      TestImages.reseal(image);
      assertEquals(ImageStatus.name(c[2]), ImageStatus.name(validator.validate(image, 0, image.length)),
          Arrays.toString(c));
      ModelImageDecoder d = new ModelImageDecoder().wrap(image, 0, image.length);
      assertEquals(c[0], d.scheduleKind());
      assertEquals(c[1], d.scheduleSteps());
    }
  }

  @Test
  void theLossFieldsAreValidatedAndRead() {
    int[][] cases = {
      // lossKind, inverse temperature, reserved byte 58, expected status
      {LOSS_COSINE, 0, 0, ImageStatus.OK},
      {LOSS_SOFTMAX, 5120, 0, ImageStatus.OK},
      {LOSS_SOFTMAX, MIN_INVERSE_TEMPERATURE, 0, ImageStatus.OK},
      {LOSS_SOFTMAX, MAX_INVERSE_TEMPERATURE, 0, ImageStatus.OK},
      {LOSS_SOFTMAX, MIN_INVERSE_TEMPERATURE - 1, 0, ImageStatus.BAD_PARAMETER},
      {LOSS_SOFTMAX, 0, 0, ImageStatus.BAD_PARAMETER},
      {LOSS_COSINE, 5120, 0, ImageStatus.BAD_PARAMETER},
      {2, 5120, 0, ImageStatus.BAD_PARAMETER},
      {LOSS_SOFTMAX, 5120, 1, ImageStatus.UNSUPPORTED_FLAGS},
    };
    for (int[] c : cases) {
      byte[] image = TestImages.small(6);
      LittleEndian.put8(image, OFF_LOSS_KIND, c[0]);
      LittleEndian.put16(image, OFF_INVERSE_TEMPERATURE, c[1]);
      LittleEndian.put8(image, OFF_RESERVED_58, c[2]);
      TestImages.reseal(image);
      assertEquals(ImageStatus.name(c[3]), ImageStatus.name(validator.validate(image, 0, image.length)),
          Arrays.toString(c));
      if (c[3] == ImageStatus.OK) {
        ModelImageDecoder d = new ModelImageDecoder().wrap(image, 0, image.length);
        assertEquals(c[0], d.lossKind());
        assertEquals(c[1], d.inverseTemperature());
      }
    }
  }

  @Test
  void validatesAtAnOffsetInsideALargerBuffer() {
    byte[] image = TestImages.small(5);
    byte[] framed = new byte[image.length + 19];
    System.arraycopy(image, 0, framed, 7, image.length);
    assertEquals(ImageStatus.OK, validator.validate(framed, 7, image.length));
    assertEquals(ImageStatus.BAD_ARGUMENT, validator.validate(framed, 7, image.length + 13));
    assertEquals(ImageStatus.BAD_ARGUMENT, validator.validate((byte[]) null, 0, 0));
    assertEquals(ImageStatus.BAD_ARGUMENT, validator.validate((FlashRegion) null, 0, 0));
  }

  @Test
  void maxInputFracBitsKeepsTheAccumulatorBound() {
    assertEquals(11, maxInputFracBits(784));
    assertEquals(12, maxInputFracBits(128));
    assertEquals(15, maxInputFracBits(1));
    for (int m = 1; m <= MAX_WIDTH; m += 97) {
      int f = maxInputFracBits(m);
      assertTrue(f >= 1, "width " + m);
      long bound = (long) MAX_ABS_WEIGHT * (ceilSqrt(m) * (1L << f) + (m + 1) / 2);
      assertTrue(bound + MAX_ABS_BIAS <= Integer.MAX_VALUE, "width " + m);
    }
    assertEquals(0, maxInputFracBits(200_000));
  }

  @Test
  void integerSquareRoots() {
    for (long x :
        new long[] {0, 1, 2, 3, 4, 15, 16, 17, 1L << 40, (1L << 40) + 1, Long.MAX_VALUE}) {
      long r = floorSqrt(x);
      assertTrue(r * r <= x && (r + 1) * (r + 1) > x || r == 3037000499L, "x=" + x);
      long c = ceilSqrt(x);
      assertTrue(c * c >= x || c == 3037000500L);
    }
  }

  @Test
  void rejectsEachKindOfDamage() {
    byte[] good = TestImages.small(9);
    assertReject(ImageStatus.TRUNCATED, Arrays.copyOf(good, good.length - 1), false);
    assertReject(ImageStatus.TRUNCATED, Arrays.copyOf(good, 50), false);
    assertReject(ImageStatus.BAD_DIGEST, flip(good, good.length - 40), false);
    assertReject(ImageStatus.BAD_HEADER_CHECKSUM, flip(good, 70), false);
    assertReject(ImageStatus.BAD_MAGIC, flip(good, 1), true);
    assertReject(ImageStatus.UNSUPPORTED_VERSION, set16(good, OFF_VERSION, 2), true);
    assertReject(ImageStatus.UNSUPPORTED_FLAGS, set16(good, OFF_FLAGS, 4), true);
    assertReject(ImageStatus.BAD_LAYER_COUNT, set16(good, OFF_LAYER_COUNT, 0), true);
    assertReject(ImageStatus.BAD_HEADER_LENGTH, set16(good, OFF_LAYER_COUNT, 3), true);
    assertReject(ImageStatus.BAD_SHAPE, set16(good, OFF_CLASS_COUNT, 1), true);
    assertReject(ImageStatus.BAD_SHAPE, set32(good, OFF_INPUT_SIZE, 13), true);
    assertReject(ImageStatus.BAD_SHAPE, set32(good, layerEntryOffset(1) + L_INPUTS, 9), true);
    assertReject(ImageStatus.BAD_PARAMETER, set32(good, OFF_LEARNING_RATE, 0), true);
    assertReject(
        ImageStatus.BAD_PARAMETER, set32(good, OFF_LEARNING_RATE, MAX_LEARNING_RATE + 1), true);
    assertReject(ImageStatus.BAD_PARAMETER, set32(good, OFF_EARLY_EXIT_MARGIN, -1), true);
    assertReject(ImageStatus.BAD_PARAMETER, set8(good, OFF_ROUNDING_MODE, 2), true);
    assertReject(ImageStatus.UNSUPPORTED_NUMBER_FORMAT, set8(good, OFF_INPUT_FORMAT, 2), true);
    assertReject(
        ImageStatus.UNSUPPORTED_NUMBER_FORMAT,
        set8(good, layerEntryOffset(0) + L_WEIGHT_FORMAT, 2),
        true);
    assertReject(
        ImageStatus.UNSUPPORTED_NUMBER_FORMAT,
        set8(good, layerEntryOffset(0) + L_INPUT_FRAC_BITS, 15),
        true);
    assertReject(
        ImageStatus.UNSUPPORTED_NUMBER_FORMAT,
        set8(good, layerEntryOffset(0) + L_BIAS_EXPONENT, 0),
        true);
    assertReject(ImageStatus.UNSUPPORTED_FLAGS, set8(good, layerEntryOffset(0) + L_FLAGS, 2), true);
    assertReject(
        ImageStatus.BAD_SECTION, set32(good, layerEntryOffset(0) + L_WEIGHTS_OFFSET, 146), true);
    assertReject(
        ImageStatus.BAD_SECTION, set32(good, layerEntryOffset(0) + L_WEIGHTS_LENGTH, 190), true);
    assertReject(
        ImageStatus.BAD_SECTION,
        set32(good, layerEntryOffset(1) + L_PRIORS_OFFSET, good.length - 40),
        true);
    // layer 1 weights moved onto layer 0 biases: in bounds, aligned, but overlapping
    int biases0 = new ModelImageDecoder().wrap(good, 0, good.length).biasesOffset(0);
    assertReject(
        ImageStatus.BAD_SECTION,
        set32(good, layerEntryOffset(1) + L_WEIGHTS_OFFSET, biases0),
        true);
    int weights0 = new ModelImageDecoder().wrap(good, 0, good.length).weightsOffset(0);
    assertReject(ImageStatus.BAD_VALUES, set16(good, weights0, MAX_ABS_WEIGHT + 1), true);
    int priors0 = new ModelImageDecoder().wrap(good, 0, good.length).priorsOffset(0);
    assertReject(ImageStatus.BAD_VALUES, set16(good, priors0, 16384), true);
  }

  private void assertReject(int expected, byte[] image, boolean reseal) {
    if (reseal) {
      TestImages.reseal(image);
    }
    assertEquals(
        ImageStatus.name(expected), ImageStatus.name(validator.validate(image, 0, image.length)));
  }

  @Test
  void encoderRefusesAWrongBufferLength() {
    int[] outputs = {8, 4};
    int size = imageSize(12, 3, outputs, 2);
    ModelImageEncoder encoder = new ModelImageEncoder();
    assertEquals(-1, encoder.wrap(new byte[size + 1], 0, size + 1).layout(12, 3, outputs, 2));
    assertEquals(size, encoder.wrap(new byte[size], 0, size).layout(12, 3, outputs, 2));
  }

  @Test
  void resealedCopyIsIdentical() {
    byte[] good = TestImages.small(4);
    byte[] copy = good.clone();
    TestImages.reseal(copy);
    assertArrayEquals(good, copy);
    assertFalse(Arrays.equals(good, flip(good, 100)));
  }

  static byte[] flip(byte[] image, int at) {
    byte[] copy = image.clone();
    copy[at] ^= 0x10;
    return copy;
  }

  static byte[] set8(byte[] image, int at, int v) {
    byte[] copy = image.clone();
    LittleEndian.put8(copy, at, v);
    return copy;
  }

  static byte[] set16(byte[] image, int at, int v) {
    byte[] copy = image.clone();
    LittleEndian.put16(copy, at, v);
    return copy;
  }

  static byte[] set32(byte[] image, int at, int v) {
    byte[] copy = image.clone();
    LittleEndian.put32(copy, at, v);
    return copy;
  }
}
