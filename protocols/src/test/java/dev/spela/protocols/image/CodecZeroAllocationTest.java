package dev.spela.protocols.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spela.protocols.storage.ArrayFlash;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The validator, the decoder and both writers allocate nothing after construction, from their very
 * first call (run under -Xint).
 */
@Tag("zero-allocation")
class CodecZeroAllocationTest {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test
  void validateAndEncodeAllocateNothing() {
    byte[] image = TestImages.build(40, 5, new int[] {24, 8}, 1);
    byte[] bad = image.clone();
    bad[bad.length - 1] ^= 1;
    byte[] shuffled = StreamingImageTest.reversedSections(image, 8);
    int[] outputs = {24, 8};
    byte[] out = new byte[image.length];
    ArrayFlash flash = new ArrayFlash(4 * 4096, 4096);
    ArrayFlash slot = new ArrayFlash(shuffled);
    byte[] digest = new byte[32];
    ModelImageValidator validator = new ModelImageValidator();
    ModelImageValidator streaming = new ModelImageValidator(new ImageReader(32));
    ModelImageEncoder encoder = new ModelImageEncoder();
    ModelImageDecoder decoder = new ModelImageDecoder();
    ModelImageWriter writer = new ModelImageWriter(256);
    short[] weights = new short[40 * 24];
    long overhead = -THREADS.getCurrentThreadAllocatedBytes();
    overhead += THREADS.getCurrentThreadAllocatedBytes();
    int status = 0;
    for (int n = 0; n < 50; n++) {
      long before = THREADS.getCurrentThreadAllocatedBytes();
      status |= validator.validate(image, 0, image.length);
      status |= validator.validate(bad, 0, bad.length) == ImageStatus.BAD_DIGEST ? 0 : 1;
      status |= validator.validate(image, 0, 10) == ImageStatus.TRUNCATED ? 0 : 1;
      status |= streaming.validate(slot, 0, streaming.declaredLength(slot, 0));
      status |= streaming.wholeImageSha256(digest, 0) ? 0 : 1;
      decoder.wrap(image, 0, image.length).copyWeights(0, weights, 0);
      encoder.wrap(out, 0, out.length).layout(40, 5, outputs, 2);
      encoder.putWeights(0, weights, 0).learningRate(1).seal();
      flash.erase(0, flash.size());
      status |= writer.begin(flash, 4096, 40, 5, outputs, 2) == image.length ? 0 : 1;
      for (int k = 0; k < image.length - ModelImage.headerLength(2) - 32; k += 4) {
        writer.put32(k);
      }
      status |= writer.finish();
      long bytes = THREADS.getCurrentThreadAllocatedBytes() - before - overhead;
      assertEquals(0, bytes, "bytes allocated in round " + n);
    }
    assertEquals(0, status);
  }
}
