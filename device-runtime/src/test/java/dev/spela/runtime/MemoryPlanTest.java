package dev.spela.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.image.ImageStatus;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryPlanTest {

  @Test
  void figuresForAnMnistShape() {
    MemoryPlan plan = new MemoryPlan();
    assertEquals(ImageStatus.OK, plan.setShape(784, 10, new int[] {128, 34}, 2, 0b01));
    assertEquals(2L * (784 * 128 + 128 * 34), plan.weightBytes());
    assertEquals(4L * (128 + 34), plan.biasBytes());
    assertEquals(2L * 10 * (128 + 34), plan.priorBytes());
    // vector, normalised input, active-pair list and accumulator
    assertEquals(4L * 784 + 2L * 784 + 4L * 392 + 4L * 128, plan.activationBytes());
    // ring and the step's window of it
    assertEquals(4L * (1024 + 128 + 128), plan.noiseBytes());
    assertEquals(2L * 784 * 128, plan.flashBytes());
    assertEquals(plan.arenaBytes() - plan.flashBytes(), plan.ramBytes());
    assertEquals(4L * 784 + 2L * 784 + 4L * 392 + 4L * 128, plan.activationBytes(0));
    assertEquals(4L * 128 + 2L * 128 + 4L * 64 + 4L * 34, plan.activationBytes(1));
    // layer info, results, and one row reference per input pair (layer 0) or per output (layer 1,
    // narrow)
    assertEquals(392 + 34, plan.weightRows());
    assertEquals(
        4L * (2 * Arena.LAYER_FIELDS + 2 * Arena.RESULT_FIELDS + 392 + 34),
        plan.bookkeepingBytes());
    // backprop keeps every layer's input and pre-activation plus two gradient vectors
    long kept = 2L * 784 + 4L * 128 + 2L * 128 + 4L * 34;
    assertEquals(plan.weightBytes() + plan.biasBytes() + kept + 8L * 784, plan.backpropBytes());
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

  @Test
  void theRuntimeAllocatesExactlyThePlan() throws Exception {
    FloatModel m = FloatModel.kaiming(64, 4, new int[] {32, 16}, 1);
    byte[] image = m.toImage();
    MemoryPlan plan = new MemoryPlan();
    assertEquals(ImageStatus.OK, plan.setFromImage(image, 0, image.length));
    SpelaRuntime runtime = new SpelaRuntime(plan);
    assertEquals(ImageStatus.OK, runtime.load(image, 0, image.length));
    Field arena = SpelaRuntime.class.getDeclaredField("arena");
    arena.setAccessible(true);
    assertEquals(plan.arenaBytes(), arrayBytes(arena.get(runtime), image, new IdentityHashMap<>()));
    assertEquals(plan.totalBytes(), arrayBytes(runtime, image, new IdentityHashMap<>()));
  }

  /**
   * Element bytes of every array reachable from {@code root} through project objects: a primitive
   * array's elements, an array of arrays' references at 4 bytes (a 32-bit device) plus its arrays.
   */
  private static long arrayBytes(Object root, Object exclude, Map<Object, Boolean> seen)
      throws Exception {
    if (root == null || root == exclude || seen.put(root, true) != null) {
      return 0;
    }
    Class<?> type = root.getClass();
    if (type.isArray()) {
      int length = java.lang.reflect.Array.getLength(root);
      Class<?> c = type.getComponentType();
      if (c.isArray()) {
        long sum = 4L * length;
        for (Object element : (Object[]) root) {
          sum += arrayBytes(element, exclude, seen);
        }
        return sum;
      }
      assertTrue(c.isPrimitive(), "only primitive arrays and arrays of them");
      int size =
          c == byte.class || c == boolean.class
              ? 1
              : c == short.class || c == char.class
                  ? 2
                  : c == int.class || c == float.class ? 4 : 8;
      return (long) length * size;
    }
    if (!type.getName().startsWith("dev.spela.")) {
      return 0;
    }
    long sum = 0;
    for (Class<?> c = type; c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
          continue;
        }
        f.setAccessible(true);
        sum += arrayBytes(f.get(root), exclude, seen);
      }
    }
    return sum;
  }
}
