package dev.spela.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.subset.InitPhase;
import dev.spela.subset.OutOfRangeCalls;
import dev.spela.subset.SubsetAssertions;
import dev.spela.subset.SubsetChecker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every steady-state entry point of the runtime, called with out-of-range arguments (negative,
 * huge and extreme ints and longs, null and empty arrays) on a loaded runtime and on an empty one,
 * answers with a status or a neutral value and never throws: the VM would allocate the exception.
 * (protocols' entry points have their own test there.)
 */
class OutOfRangeArgumentsTest {

  private static final byte[] IMAGE = FloatModel.kaiming(64, 10, new int[] {32, 10}, 1).toImage();

  @Test
  void noSteadyStateEntryPointThrowsOnOutOfRangeArguments() throws IOException {
    Path protocols = SubsetAssertions.locationOf(InitPhase.class);
    List<String> entries =
        new SubsetChecker(protocols)
            .check(Path.of("target", "classes"), protocols).entryPoints().stream()
                .filter(entry -> entry.startsWith("dev.spela.runtime."))
                .toList();
    assertTrue(entries.size() > 20, () -> "only " + entries.size() + " entry points");
    List<String> failures =
        OutOfRangeCalls.throwingCalls(
            entries,
            getClass().getClassLoader(),
            new OutOfRangeCalls.Fixtures() {
              @Override
              public List<Object> receivers(Class<?> type) {
                return List.of(
                    SpelaRuntime.forImage(IMAGE, 0, IMAGE.length),
                    new SpelaRuntime(new MemoryPlan()));
              }

              @Override
              public Object argument(Class<?> type) {
                if (type == byte[].class) {
                  return new byte[2 * IMAGE.length];
                }
                throw new IllegalArgumentException("no fixture for " + type);
              }
            });
    assertEquals(List.of(), failures, () -> String.join("\n", failures));
  }
}
