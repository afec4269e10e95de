package dev.spela.protocols.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Mutated images: the validator never throws, rejects every unsealed change, whatever it accepts
 * after a deliberate re-seal can be read completely inside the buffer, and the streaming validator
 * returns exactly the status of the whole-image {@link ReferenceValidator}, whatever its block
 * size.
 */
class ValidatorPropertiesTest {

  /** With input statistics, so that their section and flag are mutated too. */
  private static final byte[] GOOD =
      TestImages.build(12, 3, new int[] {8, 5, 4}, 21, ModelImage.FLAG_INPUT_STATISTICS);
  private final ReferenceValidator reference = new ReferenceValidator();
  private static final int[] BLOCK_BYTES = {ModelImageDecoder.DEFAULT_BLOCK_BYTES, 8, 40};
  private final ModelImageValidator[] validators = new ModelImageValidator[BLOCK_BYTES.length];

  {
    for (int v = 0; v < validators.length; v++) {
      validators[v] = new ModelImageValidator(new ImageReader(BLOCK_BYTES[v]));
    }
  }

  /** The status every validator agrees on (asserted). */
  private int validate(byte[] buffer, int offset, int length) {
    int expected = reference.validate(buffer, offset, length);
    for (int v = 0; v < validators.length; v++) {
      assertEquals(
          ImageStatus.name(expected),
          ImageStatus.name(validators[v].validate(buffer, offset, length)),
          "streaming validator with blocks of " + BLOCK_BYTES[v] + " bytes");
    }
    return expected;
  }

  /** Header and layer-table fields: {offset, width in bytes}. */
  private static final int[][] FIELDS = fields();

  private static int[][] fields() {
    int[][] header = {
      {ModelImage.OFF_VERSION, 2},
      {ModelImage.OFF_FLAGS, 2},
      {ModelImage.OFF_HEADER_LENGTH, 4},
      {ModelImage.OFF_IMAGE_LENGTH, 4},
      {ModelImage.OFF_LAYER_COUNT, 2},
      {ModelImage.OFF_CLASS_COUNT, 2},
      {ModelImage.OFF_INPUT_SIZE, 4},
      {ModelImage.OFF_INPUT_FORMAT, 1},
      {ModelImage.OFF_ROUNDING_MODE, 1},
      {ModelImage.OFF_LOSS_KIND, 2},
      {ModelImage.OFF_LEARNING_RATE, 4},
      {ModelImage.OFF_EARLY_EXIT_MARGIN, 4},
      {ModelImage.OFF_SAMPLES_SEEN, 4},
      {ModelImage.OFF_SAMPLES_SEEN + 4, 4},
      {ModelImage.OFF_INVERSE_TEMPERATURE, 4},
      {ModelImage.OFF_SCHEDULE_KIND, 1},
      {ModelImage.OFF_SCHEDULE_STEPS, 4}
    };
    int[][] entry = {
      {ModelImage.L_INPUTS, 4},
      {ModelImage.L_OUTPUTS, 4},
      {ModelImage.L_WEIGHT_FORMAT, 1},
      {ModelImage.L_WEIGHT_EXPONENT, 1},
      {ModelImage.L_INPUT_FRAC_BITS, 1},
      {ModelImage.L_FLAGS, 1},
      {ModelImage.L_BIAS_FORMAT, 1},
      {ModelImage.L_BIAS_EXPONENT, 1},
      {ModelImage.L_PRIOR_FORMAT, 1},
      {ModelImage.L_RESERVED_15, 1},
      {ModelImage.L_WEIGHTS_OFFSET, 4},
      {ModelImage.L_WEIGHTS_LENGTH, 4},
      {ModelImage.L_BIASES_OFFSET, 4},
      {ModelImage.L_BIASES_LENGTH, 4},
      {ModelImage.L_PRIORS_OFFSET, 4},
      {ModelImage.L_PRIORS_LENGTH, 4}
    };
    int[][] all = new int[header.length + 3 * entry.length][];
    System.arraycopy(header, 0, all, 0, header.length);
    for (int k = 0; k < 3; k++) {
      for (int f = 0; f < entry.length; f++) {
        all[header.length + k * entry.length + f] =
            new int[] {ModelImage.layerEntryOffset(k) + entry[f][0], entry[f][1]};
      }
    }
    return all;
  }

  @Property(tries = 400)
  void everyUnsealedBitFlipIsRejected(
      @ForAll("positions") int position, @ForAll @IntRange(max = 7) int bit) {
    byte[] image = GOOD.clone();
    image[position] ^= (byte) (1 << bit);
    assertTrue(validate(image, 0, image.length) < 0);
  }

  @Property(tries = 200)
  void truncatedOrExtendedImagesAreRejected(@ForAll("lengths") int length) {
    byte[] buffer = java.util.Arrays.copyOf(GOOD, Math.max(length, 0) + 8);
    int status = validate(buffer, 0, length);
    assertTrue(status < 0);
    if (length > GOOD.length) {
      assertEquals(ImageStatus.LENGTH_MISMATCH, status);
    }
  }

  @Property(tries = 1000)
  void resealedFieldChangesNeverThrowAndAcceptedImagesAreReadable(
      @ForAll("fieldEdits") int[] edit) {
    byte[] image = GOOD.clone();
    int[] field = FIELDS[edit[0]];
    for (int b = 0; b < field[1]; b++) {
      image[field[0] + b] = (byte) (edit[1] >>> (8 * b));
    }
    TestImages.reseal(image);
    int status = validate(image, 0, image.length);
    Statistics.collect(ImageStatus.name(status));
    if (status == ImageStatus.OK) {
      readEverything(image);
    }
  }

  @Property(tries = 500)
  void resealedRandomBytesNeverThrow(
      @ForAll("positions") int position,
      @ForAll byte value,
      @ForAll @IntRange(min = 1, max = 16) int count) {
    byte[] image = GOOD.clone();
    for (int k = 0; k < count && position + k < image.length - ModelImage.DIGEST_LENGTH; k++) {
      image[position + k] = (byte) (value + 31 * k);
    }
    TestImages.reseal(image);
    if (validate(image, 0, image.length) == ImageStatus.OK) {
      readEverything(image);
    }
  }

  @Property(tries = 200)
  void arbitraryBytesNeverThrow(@ForAll("garbage") byte[] garbage) {
    assertTrue(validate(garbage, 0, garbage.length) < 0);
  }

  /** Reads every field and section of an accepted image; throws if anything points outside it. */
  private static void readEverything(byte[] image) {
    ModelImageDecoder d = new ModelImageDecoder().wrap(image, 0, image.length);
    int inputs = d.inputSize();
    for (int k = 0; k < d.layerCount(); k++) {
      assertEquals(inputs, d.inputs(k));
      int out = d.outputs(k);
      short[] w = new short[inputs * out];
      d.copyWeights(k, w, 0);
      d.copyBiases(k, new int[out], 0);
      d.copyPriors(k, new short[d.classCount() * out], 0);
      inputs = out;
    }
    for (int i = 0; d.hasInputStatistics() && i < d.inputSize(); i++) {
      assertTrue(d.inputOffset(i) <= ModelImage.MAX_INPUT_OFFSET);
      d.inputScale(i);
    }
    assertEquals(ImageStatus.OK, d.reader().status(), "every read inside the image");
  }

  @Provide
  Arbitrary<Integer> positions() {
    return Arbitraries.integers().between(0, GOOD.length - 1);
  }

  @Provide
  Arbitrary<Integer> lengths() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(0, GOOD.length - 1),
        Arbitraries.integers().between(GOOD.length + 1, GOOD.length + 8));
  }

  @Provide
  Arbitrary<int[]> fieldEdits() {
    Arbitrary<Integer> values =
        Arbitraries.oneOf(
            Arbitraries.integers(),
            Arbitraries.integers().between(-2, 300),
            Arbitraries.of(
                0,
                1,
                2,
                15,
                16,
                64,
                65,
                255,
                65535,
                65536,
                Integer.MAX_VALUE,
                Integer.MIN_VALUE,
                GOOD.length,
                GOOD.length - 32,
                GOOD.length + 4));
    return Combinators.combine(Arbitraries.integers().between(0, FIELDS.length - 1), values)
        .as((field, value) -> new int[] {field, value});
  }

  @Provide
  Arbitrary<byte[]> garbage() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(400);
  }
}
