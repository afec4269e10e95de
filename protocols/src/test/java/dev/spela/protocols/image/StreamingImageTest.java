package dev.spela.protocols.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Images read and written in place in flash, a block at a time: sections in any order, flash that
 * fails, the whole-image digest, and the streaming writer's bytes against the array encoder's.
 */
class StreamingImageTest {

  private static final byte[] GOOD = TestImages.build(40, 5, new int[] {24, 8}, 3);
  private final ModelImageValidator validator = new ModelImageValidator(new ImageReader(16));
  private final ReferenceValidator reference = new ReferenceValidator();

  @Test
  void sectionsInAnyOrderWithGapsAreValidAndEveryValueIsChecked() {
    byte[] shuffled = reversedSections(GOOD, 12);
    assertEquals(ImageStatus.OK, validator.validate(shuffled, 0, shuffled.length));
    ModelImageDecoder d = new ModelImageDecoder().wrap(shuffled, 0, shuffled.length);
    assertTrue(d.weightsOffset(0) > d.priorsOffset(1), "layer 0's weights now come last");
    // A weight beyond the limit in the last section, then a prior that is no unit vector.
    for (int at : new int[] {d.weightsOffset(0) + 2 * 500, d.priorsOffset(1) + 2 * 9}) {
      byte[] bad = shuffled.clone();
      LittleEndian.put16(bad, at, 20000);
      TestImages.reseal(bad);
      assertEquals(ImageStatus.BAD_VALUES, reference.validate(bad, 0, bad.length));
      assertEquals(ImageStatus.BAD_VALUES, validator.validate(bad, 0, bad.length));
    }
  }

  @Test
  void aFlashThatFailsToReadGivesReadFailedAtEveryStage() {
    for (int failFrom : new int[] {0, 70, 200, GOOD.length - 20}) {
      FlashRegion failing = new FailingFlash(new ArrayFlash(GOOD), failFrom);
      assertEquals(
          ImageStatus.READ_FAILED, validator.validate(failing, 0, GOOD.length), "from " + failFrom);
    }
    assertEquals(ImageStatus.OK, validator.validate(new ArrayFlash(GOOD), 0, GOOD.length));
  }

  @Test
  void theWholeImageDigestCoversEveryByte() throws Exception {
    byte[] digest = new byte[32];
    assertFalse(validator.wholeImageSha256(digest, 0), "nothing validated yet");
    assertEquals(ImageStatus.OK, validator.validate(GOOD, 0, GOOD.length));
    assertTrue(validator.wholeImageSha256(digest, 0));
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(GOOD), digest);
    byte[] bad = GOOD.clone();
    bad[GOOD.length - 100] ^= 1;
    assertEquals(ImageStatus.BAD_DIGEST, validator.validate(bad, 0, bad.length));
    assertFalse(validator.wholeImageSha256(digest, 0));
  }

  @Test
  void theDeclaredLengthFindsAnImageInAnErasedSlot() {
    ArrayFlash slot = new ArrayFlash(8192, 1024);
    assertEquals(ImageStatus.BAD_MAGIC, validator.declaredLength(slot, 0));
    assertEquals(FlashStatus.OK, slot.write(1024, GOOD, 0, GOOD.length));
    assertEquals(GOOD.length, validator.declaredLength(slot, 1024));
    assertEquals(ImageStatus.OK, validator.validate(slot, 1024, GOOD.length));
    assertEquals(ImageStatus.TRUNCATED, validator.declaredLength(slot, 8192 - 50));
    assertEquals(ImageStatus.BAD_ARGUMENT, validator.declaredLength(slot, 9000));
  }

  @Test
  void theWriterStreamsExactlyTheEncodersBytes() {
    ArrayFlash flash = new ArrayFlash(16 * 1024, 1024);
    ModelImageWriter writer = new ModelImageWriter(ModelImage.headerLength(2));
    assertEquals(GOOD.length, copy(GOOD, writer, flash, 2048));
    byte[] written = new byte[GOOD.length];
    flash.read(2048, written, 0, written.length);
    assertArrayEquals(GOOD, written);
    byte[] digest = new byte[32];
    writer.digest(digest, 0);
    assertArrayEquals(Arrays.copyOfRange(GOOD, GOOD.length - 32, GOOD.length), digest);

    assertEquals(FlashStatus.NOT_ERASED, copy(GOOD, writer, flash, 2048), "flash is not erased");
    assertEquals(ImageStatus.BAD_ARGUMENT, copy(GOOD, writer, flash, 16 * 1024 - 100));
    ModelImageWriter tooSmall = new ModelImageWriter(ModelImage.HEADER_FIXED_LENGTH);
    assertEquals(ImageStatus.BAD_SHAPE, copy(GOOD, tooSmall, new ArrayFlash(8192, 1024), 0));
  }

  @Test
  void anImageCutShortIsALengthMismatch() {
    ModelImageWriter writer = new ModelImageWriter(256);
    ArrayFlash flash = new ArrayFlash(8192, 1024);
    writer.begin(flash, 0, 40, 5, new int[] {24, 8}, 2);
    writer.put32(7);
    assertEquals(ImageStatus.LENGTH_MISMATCH, writer.finish());
  }

  @Test
  void anEmulatedFlashKeepsTheFlashRules() {
    ArrayFlash flash = new ArrayFlash(4096, 1024);
    byte[] data = {1, 2, 3};
    assertEquals(FlashStatus.OK, flash.write(10, data, 0, 3));
    assertEquals(FlashStatus.NOT_ERASED, flash.write(11, data, 0, 1));
    assertEquals(FlashStatus.MISALIGNED, flash.erase(512, 1024));
    assertEquals(FlashStatus.OUT_OF_RANGE, flash.erase(0, 8192));
    assertEquals(FlashStatus.OUT_OF_RANGE, flash.read(4090, data, 0, 8));
    assertEquals(FlashStatus.OUT_OF_RANGE, flash.read(0, data, 1, 3));
    assertEquals(FlashStatus.OK, flash.erase(0, 1024));
    assertEquals(FlashStatus.OK, flash.write(11, data, 0, 1));
    ArrayFlash ram = new ArrayFlash(new byte[8]);
    assertEquals(FlashStatus.OK, ram.write(0, data, 0, 3));
    assertEquals(FlashStatus.OK, ram.write(0, data, 0, 3), "a byte array region overwrites");
    assertEquals(0, new ArrayFlash().wrap(new byte[4], 2, 5).size(), "a range outside the array");
  }

  /** Writes {@code image}'s content again through the streaming writer; returns its status. */
  static int copy(byte[] image, ModelImageWriter writer, FlashRegion target, int offset) {
    ModelImageDecoder d = new ModelImageDecoder().wrap(image, 0, image.length);
    int layers = d.layerCount();
    int[] outputs = new int[layers];
    for (int k = 0; k < layers; k++) {
      outputs[k] = d.outputs(k);
    }
    int size = writer.begin(target, offset, d.inputSize(), d.classCount(), outputs, layers);
    if (size < 0) {
      return size;
    }
    writer
        .header()
        .learningRate(d.learningRate())
        .earlyExitMargin(d.earlyExitMargin())
        .roundingMode(d.roundingMode())
        .rngSeed(d.rngSeed())
        .samplesSeen(d.samplesSeen());
    for (int k = 0; k < layers; k++) {
      writer.header().layerFormat(k, d.weightExponent(k), d.inputFracBits(k), d.frozen(k));
    }
    for (int k = 0; k < layers; k++) {
      for (int i = 0; i < d.weightsLength(k) / 2; i++) {
        writer.put16(d.weight(k, i));
      }
      writer.align();
      for (int j = 0; j < outputs[k]; j++) {
        writer.put32(d.bias(k, j));
      }
      writer.align();
      for (int i = 0; i < d.priorsLength(k) / 2; i++) {
        writer.put16(d.prior(k, i));
      }
      writer.align();
    }
    int status = writer.finish();
    return status < 0 ? status : size;
  }

  /** The image with its sections placed in reverse order, {@code gap} zero bytes apart. */
  static byte[] reversedSections(byte[] image, int gap) {
    ModelImageDecoder d = new ModelImageDecoder().wrap(image, 0, image.length);
    int sections = 3 * d.layerCount();
    int headerLength = d.headerLength();
    int size = headerLength + ModelImage.DIGEST_LENGTH;
    for (int s = 0; s < sections; s++) {
      size += (int) ModelImage.align(d.sectionLength(s)) + gap;
    }
    byte[] out = new byte[size];
    System.arraycopy(image, 0, out, 0, headerLength);
    LittleEndian.put32(out, ModelImage.OFF_IMAGE_LENGTH, size);
    int at = headerLength;
    for (int s = sections - 1; s >= 0; s--) {
      at += gap;
      int entry = ModelImage.layerEntryOffset(s / 3) + ModelImage.L_WEIGHTS_OFFSET + 8 * (s % 3);
      System.arraycopy(image, d.sectionOffset(s), out, at, d.sectionLength(s));
      LittleEndian.put32(out, entry, at);
      at += (int) ModelImage.align(d.sectionLength(s));
    }
    TestImages.reseal(out);
    return out;
  }

  /** A flash whose reads fail from a position on. */
  private static final class FailingFlash implements FlashRegion {
    private final FlashRegion inner;
    private final int failFrom;

    FailingFlash(FlashRegion inner, int failFrom) {
      this.inner = inner;
      this.failFrom = failFrom;
    }

    @Override
    public int size() {
      return inner.size();
    }

    @Override
    public int sectorBytes() {
      return inner.sectorBytes();
    }

    @Override
    public int read(int offset, byte[] dst, int dstOffset, int length) {
      return offset + length > failFrom
          ? FlashStatus.IO_ERROR
          : inner.read(offset, dst, dstOffset, length);
    }

    @Override
    public int write(int offset, byte[] src, int srcOffset, int length) {
      return inner.write(offset, src, srcOffset, length);
    }

    @Override
    public int erase(int offset, int length) {
      return inner.erase(offset, length);
    }
  }
}
