package dev.spela.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.storage.ArrayFlash;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MemoryPlanTest {

  @Test
  void figuresForAnMnistShapeWithAFrozenFirstLayer() {
    MemoryPlan plan = new MemoryPlan();
    assertEquals(ImageStatus.OK, plan.setShape(784, 10, new int[] {128, 34}, 2, 0b01));
    // RAM holds the trainable layer's packed weights (64 input pairs x 34 outputs) only
    assertEquals(4L * 64 * 34, plan.weightBytes());
    assertEquals(4L * 392 * 128, plan.weightBytes(0));
    assertEquals(4L * (128 + 34), plan.biasBytes());
    // flash: the frozen layer's int16 weights and every prior, read in place
    assertEquals(2L * 784 * 128, plan.frozenWeightBytes());
    assertEquals(2L * 10 * (128 + 34), plan.priorBytes());
    assertEquals(2L * 784 * 128 + 2L * 10 * (128 + 34), plan.flashBytes());
    // vector, normalised input, active-pair list and accumulator
    assertEquals(4L * 784 + 2L * 784 + 4L * 392 + 4L * 128, plan.activationBytes());
    // ring and the step's window of it
    assertEquals(4L * (1024 + 128 + 128), plan.noiseBytes());
    assertEquals(4L * 784 + 2L * 784 + 4L * 392 + 4L * 128, plan.activationBytes(0));
    assertEquals(4L * 128 + 2L * 128 + 4L * 64 + 4L * 34, plan.activationBytes(1));
    // layer info, results, each class's combined score, and one row reference per output of layer 1
    // (narrow: output-major)
    assertEquals(34, plan.weightRows());
    assertEquals(
        4L * (2 * Arena.LAYER_FIELDS + 2 * Arena.RESULT_FIELDS + 10 + 34), plan.bookkeepingBytes());
    assertEquals(
        plan.weightBytes()
            + plan.biasBytes()
            + plan.activationBytes()
            + plan.noiseBytes()
            + plan.bookkeepingBytes(),
        plan.arenaBytes());
    // read block, write buffer (a block: the header is shorter), raw row (two rows of 128 int16),
    // packed row, two prior rows
    assertEquals(256 + 256 + 4 * 128 + 4 * 128 + 2 * 2 * 128, plan.ioBufferBytes());
    assertEquals(
        plan.arenaBytes() + plan.ioBufferBytes() + MemoryPlan.FIXED_BYTES, plan.ramBytes());
    // backprop keeps every layer's input and pre-activation plus two gradient vectors
    long kept = 2L * 784 + 4L * 128 + 2L * 128 + 4L * 34;
    long allWeights = plan.weightBytes(0) + plan.weightBytes(1);
    assertEquals(allWeights + plan.biasBytes() + kept + 8L * 784, plan.backpropBytes());
    assertEquals(ImageStatus.BAD_SHAPE, plan.setShape(784, 1, new int[] {128}, 1, 0));
    assertEquals(ImageStatus.BAD_SHAPE, plan.setShape(200_000, 2, new int[] {1}, 1, 0));
  }

  @Test
  void capacityFitsSmallerModelsOnly() {
    MemoryPlan big = new MemoryPlan();
    big.setShape(64, 4, new int[] {32, 16}, 2, 0);
    MemoryPlan small = new MemoryPlan();
    small.setShape(64, 4, new int[] {16}, 1, 0);
    MemoryPlan wide = new MemoryPlan();
    wide.setShape(64, 4, new int[] {40}, 1, 0);
    // fewer weights, as many biases, no wider: but layer 1 is wider than the capacity's layer 1
    MemoryPlan reshaped = new MemoryPlan();
    reshaped.setShape(64, 4, new int[] {16, 32}, 2, 0);
    MemoryPlan deep = new MemoryPlan();
    deep.setShape(64, 4, new int[] {32, 16, 8}, 3, 0);
    MemoryPlan narrower = new MemoryPlan();
    narrower.setShape(63, 4, new int[] {31, 16}, 2, 0);
    assertTrue(small.fitsIn(big));
    assertTrue(narrower.fitsIn(big));
    assertFalse(big.fitsIn(small));
    assertFalse(wide.fitsIn(big));
    assertTrue(reshaped.weightElements() < big.weightElements());
    assertFalse(reshaped.fitsIn(big));
    assertTrue(big.fitsIn(deep));
    assertFalse(deep.fitsIn(big));
  }

  /**
   * The plan is the truth about the runtime's memory: every array reachable from a runtime (its
   * instance fields and the static fields of the classes it uses) adds up to {@link
   * MemoryPlan#ramBytes}, in {@link MemoryPlan#arrayCount} arrays and {@link
   * MemoryPlan#objectCount} other objects, for both kernel layouts, with and without a frozen
   * layer, priors in flash or in RAM, loaded and after writing an image.
   */
  @ParameterizedTest
  @CsvSource({
    "0, 32, 16, false",
    "1, 32, 16, false",
    "0, 128, 34, false",
    "2, 128, 34, false",
    "3, 7, 3, false",
    "0, 128, 34, true",
    "1, 32, 16, true"
  })
  void theRuntimeAllocatesExactlyThePlan(long frozenMask, int hidden, int last, boolean priorsInRam)
      throws Exception {
    FloatModel m = FloatModel.kaiming(129, 4, new int[] {hidden, last}, 1);
    m.frozen[0] = (frozenMask & 1) != 0;
    m.frozen[1] = (frozenMask & 2) != 0;
    byte[] image = m.toImage();
    MemoryPlan plan = new MemoryPlan();
    assertEquals(ImageStatus.OK, plan.setFromImage(new ArrayFlash(image), 0, image.length));
    plan.setPriorsInRam(priorsInRam);
    SpelaRuntime runtime = new SpelaRuntime(plan);
    ArrayFlash source = new ArrayFlash(image);
    assertEquals(ImageStatus.OK, runtime.load(source, 0, image.length));
    runtime.writeImage(new ArrayFlash(new byte[image.length]), 0);
    Census arena = new Census(source);
    arena.visit(field(runtime, "arena"));
    assertEquals(plan.arenaBytes(), arena.bytes);
    Census all = new Census(source);
    all.visit(runtime);
    assertEquals(plan.ramBytes(), all.bytes, "bytes of every array");
    assertEquals(plan.arrayCount(), all.arrays, "arrays");
    assertEquals(plan.objectCount(), all.objects, "other objects: " + all.types);
  }

  private static Object field(Object owner, String name) throws Exception {
    Field f = owner.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(owner);
  }

  /**
   * Everything reachable from a root through project objects, each counted once: arrays (a
   * primitive array's elements; an array of arrays' references at 4 bytes, a 32-bit device, plus
   * its arrays) and project objects, following instance fields and the static fields of every
   * project class met. The image region given is the caller's, not the runtime's.
   */
  private static final class Census {
    final Object exclude;
    final Map<Object, Boolean> seen = new IdentityHashMap<>();
    final Set<Class<?>> classes = new HashSet<>();
    final List<String> types = new ArrayList<>();
    long bytes;
    int arrays;
    int objects;

    Census(Object exclude) {
      this.exclude = exclude;
    }

    void visit(Object root) throws Exception {
      if (root == null || root == exclude || seen.put(root, true) != null) {
        return;
      }
      Class<?> type = root.getClass();
      if (type.isArray()) {
        arrays++;
        int length = java.lang.reflect.Array.getLength(root);
        Class<?> c = type.getComponentType();
        if (!c.isPrimitive()) {
          bytes += 4L * length;
          for (Object element : (Object[]) root) {
            visit(element);
          }
          return;
        }
        int size =
            c == byte.class || c == boolean.class
                ? 1
                : c == short.class || c == char.class ? 2 : c == int.class ? 4 : 8;
        bytes += (long) length * size;
        return;
      }
      if (!type.getName().startsWith("dev.spela.")) {
        return;
      }
      objects++;
      types.add(type.getSimpleName());
      for (Class<?> c = type; c != Object.class; c = c.getSuperclass()) {
        boolean firstVisit = classes.add(c);
        for (Field f : c.getDeclaredFields()) {
          boolean isStatic = Modifier.isStatic(f.getModifiers());
          if (f.getType().isPrimitive() || isStatic && !firstVisit) {
            continue;
          }
          f.setAccessible(true);
          visit(f.get(isStatic ? null : root));
        }
      }
    }
  }
}
