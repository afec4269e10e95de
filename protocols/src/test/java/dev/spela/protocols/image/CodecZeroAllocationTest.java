package dev.spela.protocols.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The validator and the encoder allocate nothing after construction (run under -Xint). */
@Tag("zero-allocation")
class CodecZeroAllocationTest {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test
  void validateAndEncodeAllocateNothing() {
    byte[] image = TestImages.build(40, 5, new int[] {24, 8}, 1);
    byte[] bad = image.clone();
    bad[bad.length - 1] ^= 1;
    int[] outputs = {24, 8};
    byte[] out = new byte[image.length];
    ModelImageValidator validator = new ModelImageValidator();
    ModelImageEncoder encoder = new ModelImageEncoder();
    ModelImageDecoder decoder = new ModelImageDecoder();
    short[] weights = new short[40 * 24];
    int status = 0;
    for (int n = 0; n < 3; n++) {
      status |= validator.validate(image, 0, image.length);
      encoder.wrap(out, 0, out.length).layout(40, 5, outputs, 2);
      encoder.seal();
    }
    long before = THREADS.getCurrentThreadAllocatedBytes();
    long overhead = THREADS.getCurrentThreadAllocatedBytes() - before;
    before = THREADS.getCurrentThreadAllocatedBytes();
    for (int n = 0; n < 50; n++) {
      status |= validator.validate(image, 0, image.length);
      status |= validator.validate(bad, 0, bad.length) == ImageStatus.BAD_DIGEST ? 0 : 1;
      status |= validator.validate(image, 0, 10) == ImageStatus.TRUNCATED ? 0 : 1;
      decoder.wrap(image, 0, image.length).copyWeights(0, weights, 0);
      encoder.wrap(out, 0, out.length).layout(40, 5, outputs, 2);
      encoder.putWeights(0, weights, 0).learningRate(1).seal();
    }
    long bytes = THREADS.getCurrentThreadAllocatedBytes() - before - overhead;
    assertEquals(0, status);
    assertEquals(0, bytes);
  }
}
