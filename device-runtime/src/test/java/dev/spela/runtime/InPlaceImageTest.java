package dev.spela.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runtime reads its image in place: frozen layers computed from flash match the same weights
 * held in RAM, in both kernel layouts; a model moves to a checkpoint it wrote and trains on exactly
 * as if it had stayed; a flash that fails is reported, not thrown.
 */
class InPlaceImageTest {

  /** Layer 0 input-major, layer 1 output-major (64 input pairs, 16 outputs). */
  private static final int[] WIDTHS = {128, 16};

  private static byte[] image(long seed, boolean frozen0, boolean frozen1) {
    FloatModel m = FloatModel.kaiming(64, 4, WIDTHS, seed);
    m.frozen[0] = frozen0;
    m.frozen[1] = frozen1;
    return m.toImage();
  }

  private static byte[][] samples(int count, long seed) {
    Prototypes data = new Prototypes(64, 4, seed);
    byte[][] x = new byte[count][64];
    for (int n = 0; n < count; n++) {
      data.sample(data.label(n), x[n], 0);
    }
    return x;
  }

  private static SpelaRuntime loaded(FlashRegion region, int offset, int length) {
    MemoryPlan capacity = new MemoryPlan();
    capacity.setShape(64, 4, WIDTHS, 2, 0);
    SpelaRuntime runtime = new SpelaRuntime(capacity);
    assertEquals(ImageStatus.OK, runtime.load(region, offset, length));
    return runtime;
  }

  @ParameterizedTest(name = "layer {0} frozen")
  @ValueSource(ints = {0, 1})
  void aFrozenLayerReadFromFlashComputesWhatItsWeightsInRamDo(int frozenLayer) {
    byte[] frozen = image(1, frozenLayer == 0, frozenLayer == 1);
    byte[] trainable = image(1, false, false);
    SpelaRuntime fromFlash = loaded(new ArrayFlash(frozen), 0, frozen.length);
    SpelaRuntime inRam = loaded(new ArrayFlash(trainable), 0, trainable.length);
    assertTrue(fromFlash.frozen(frozenLayer) && !inRam.frozen(frozenLayer));
    for (byte[] x : samples(50, 2)) {
      assertEquals(inRam.predict(x, 0, 1), fromFlash.predict(x, 0, 1));
      for (int k = 0; k < 2; k++) {
        assertEquals(inRam.layerBestCosine(k), fromFlash.layerBestCosine(k));
        assertEquals(inRam.layerSecondCosine(k), fromFlash.layerSecondCosine(k));
      }
    }
    assertEquals(inRam.weightNormQ16(frozenLayer), fromFlash.weightNormQ16(frozenLayer));
  }

  @Test
  void priorsKeptInRamGiveExactlyTheModelPriorsReadFromFlashGive() {
    byte[] image = image(9, false, false);
    MemoryPlan plan = new MemoryPlan();
    plan.setShape(64, 4, WIDTHS, 2, 0);
    plan.setPriorsInRam(true);
    SpelaRuntime inRam = new SpelaRuntime(plan);
    assertEquals(ImageStatus.OK, inRam.load(new ArrayFlash(image), 0, image.length));
    SpelaRuntime fromFlash = loaded(new ArrayFlash(image), 0, image.length);
    byte[][] x = samples(100, 10);
    for (int n = 0; n < 100; n++) {
      assertEquals(RuntimeStatus.OK, inRam.train(x[n], 0, n % 4));
      assertEquals(RuntimeStatus.OK, fromFlash.train(x[n], 0, n % 4));
      assertEquals(fromFlash.layerLoss(1), inRam.layerLoss(1));
    }
    byte[] a = new byte[image.length];
    byte[] b = new byte[image.length];
    inRam.writeImage(new ArrayFlash(a), 0);
    fromFlash.writeImage(new ArrayFlash(b), 0);
    assertArrayEquals(b, a);
    MemoryPlan moreClasses = new MemoryPlan();
    moreClasses.setShape(64, 5, WIDTHS, 2, 0);
    assertFalse(moreClasses.fitsIn(plan), "more priors than the arena holds");
    assertTrue(moreClasses.fitsIn(fromFlash.capacity()), "priors in flash: any class count");
  }

  @Test
  void aModelMovedToTheCheckpointItWroteTrainsOnAsIfItHadStayed() {
    byte[] image = image(3, true, false);
    byte[][] x = samples(200, 4);
    ArrayFlash slot = new ArrayFlash(8 * 4096, 4096);
    slot.write(4096, image, 0, image.length);
    ArrayFlash checkpoints = new ArrayFlash(2 * 24576, 4096);
    SpelaRuntime moving = loaded(slot, 4096, image.length);
    SpelaRuntime staying = loaded(new ArrayFlash(image.clone()), 0, image.length);
    for (int n = 0; n < 200; n++) {
      int label = n % 4;
      assertEquals(RuntimeStatus.OK, moving.train(x[n], 0, label));
      assertEquals(RuntimeStatus.OK, staying.train(x[n], 0, label));
      if (n % 50 == 49) {
        int at = (n / 50 % 2) * 24576;
        assertEquals(FlashStatus.OK, checkpoints.erase(at, 24576));
        assertEquals(image.length, moving.writeImage(checkpoints, at));
        assertEquals(ImageStatus.OK, moving.rebase(checkpoints, at));
        slot.erase(0, slot.size()); // the image it was loaded from is gone
      }
    }
    byte[] a = new byte[image.length];
    byte[] b = new byte[image.length];
    moving.writeImage(new ArrayFlash(a), 0);
    staying.writeImage(new ArrayFlash(b), 0);
    assertArrayEquals(b, a);
    assertEquals(RuntimeStatus.NOT_WRITTEN, moving.rebase(new ArrayFlash(image), 0));
    assertEquals(RuntimeStatus.NOT_WRITTEN, moving.rebase(checkpoints, 1));
  }

  @Test
  void aFailingFlashIsAStatusNotAnException() {
    byte[] image = image(5, true, false);
    FailingFlash flash = new FailingFlash(new ArrayFlash(image));
    SpelaRuntime runtime = loaded(flash, 0, image.length);
    byte[] x = samples(1, 6)[0];
    assertEquals(RuntimeStatus.OK, runtime.train(x, 0, 1));
    flash.failing = true;
    assertEquals(RuntimeStatus.READ_FAILED, runtime.train(x, 0, 1));
    assertEquals(RuntimeStatus.READ_FAILED, runtime.predict(x, 0, 1));
    assertEquals(RuntimeStatus.READ_FAILED, runtime.predictEarlyExit(x, 0));
    assertEquals(0, runtime.weightNormQ16(0));
    assertTrue(runtime.writeImage(new ArrayFlash(new byte[image.length]), 0) < 0);
    assertEquals(ImageStatus.READ_FAILED, runtime.load(flash, 0, image.length));
    flash.failing = false;
    assertEquals(RuntimeStatus.OK, runtime.train(x, 0, 1), "the model it held is still there");
    ArrayFlash target = new ArrayFlash(8 * 4096, 4096);
    assertEquals(image.length, runtime.writeImage(target, 0));
    assertEquals(FlashStatus.NOT_ERASED, runtime.writeImage(target, 0), "not erased");
  }

  @Test
  void theLoadedImageIsNamedByTheDigestOfAllItsBytes() throws Exception {
    byte[] image = image(7, false, false);
    SpelaRuntime runtime = loaded(new ArrayFlash(image), 0, image.length);
    byte[] sha = new byte[32];
    assertTrue(runtime.loadedImageSha256(sha, 0));
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(image), sha);
    byte[] bad = image.clone();
    bad[bad.length - 1] ^= 1;
    assertEquals(ImageStatus.BAD_DIGEST, runtime.load(new ArrayFlash(bad), 0, bad.length));
    assertFalse(runtime.loadedImageSha256(sha, 0));
  }

  /** A flash whose reads fail while {@code failing} is set. */
  private static final class FailingFlash implements FlashRegion {
    private final FlashRegion inner;
    boolean failing;

    FailingFlash(FlashRegion inner) {
      this.inner = inner;
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
      return failing ? FlashStatus.IO_ERROR : inner.read(offset, dst, dstOffset, length);
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
