package dev.spela.protocols.image;

import java.util.Random;

/**
 * Valid v1 images with deterministic pseudo-random integer contents, for codec and validator tests.
 */
public final class TestImages {

  private TestImages() {}

  /** A valid image: input 12, layers 8 and 4, 3 classes (priors are basis vectors). */
  public static byte[] small(long seed) {
    return build(12, 3, new int[] {8, 4}, seed);
  }

  public static byte[] build(int inputSize, int classes, int[] outputs, long seed) {
    return build(inputSize, classes, outputs, seed, 0);
  }

  /**
   * As {@link #build(int, int, int[], long)} with header {@code flags}: with {@link
   * ModelImage#FLAG_INPUT_STATISTICS}, random input statistics.
   */
  public static byte[] build(int inputSize, int classes, int[] outputs, long seed, int flags) {
    Random random = new Random(seed);
    int size = ModelImage.imageSize(inputSize, classes, outputs, outputs.length, flags);
    byte[] image = new byte[size];
    ModelImageEncoder encoder = new ModelImageEncoder().wrap(image, 0, size);
    if (encoder.layout(inputSize, classes, outputs, outputs.length, flags) != size) {
      throw new IllegalStateException("layout");
    }
    for (int i = 0; (flags & ModelImage.FLAG_INPUT_STATISTICS) != 0 && i < inputSize; i++) {
      encoder.inputStatistic(i, random.nextInt(ModelImage.MAX_INPUT_OFFSET + 1), random.nextInt(65536));
    }
    encoder
        .learningRate(167772)
        .earlyExitMargin(3277)
        .roundingMode(ModelImage.ROUNDING_STOCHASTIC)
        .rngSeed(seed)
        .samplesSeen(0);
    int inputs = inputSize;
    for (int k = 0; k < outputs.length; k++) {
      int out = outputs[k];
      encoder.layerFormat(
          k, -14 - k, ModelImage.maxInputFracBits(inputs), k == 0 && outputs.length > 2);
      for (int i = 0; i < inputs * out; i++) {
        encoder.weight(
            k, i, random.nextInt(2 * ModelImage.MAX_ABS_WEIGHT + 1) - ModelImage.MAX_ABS_WEIGHT);
      }
      for (int j = 0; j < out; j++) {
        encoder.bias(k, j, random.nextInt(2001) - 1000);
      }
      for (int c = 0; c < classes; c++) {
        encoder.prior(k, c * out + (c % out), 32767);
      }
      inputs = out;
    }
    encoder.seal();
    return image;
  }

  /** Recomputes header CRC and digest after a deliberate edit, so deeper checks are reached. */
  static void reseal(byte[] image) {
    int length = image.length;
    dev.spela.protocols.checksum.Crc32 crc = new dev.spela.protocols.checksum.Crc32();
    int headerLength = LittleEndian.i32(image, ModelImage.OFF_HEADER_LENGTH);
    if (headerLength >= 16 && headerLength <= length) {
      LittleEndian.put32(
          image,
          ModelImage.OFF_HEADER_CRC,
          ModelImageEncoder.headerCrc(crc, image, 0, headerLength));
    }
    dev.spela.protocols.checksum.Sha256 sha = new dev.spela.protocols.checksum.Sha256();
    if (length >= ModelImage.DIGEST_LENGTH) {
      sha.update(image, 0, length - ModelImage.DIGEST_LENGTH);
      sha.finish(image, length - ModelImage.DIGEST_LENGTH);
    }
  }
}
