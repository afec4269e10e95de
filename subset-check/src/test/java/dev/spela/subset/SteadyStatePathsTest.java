package dev.spela.subset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plants each hole a per-method check let through (issue 7) in small programs compiled at test
 * time, and checks that the whole-program check reports it at the right place, under the right
 * rule, with the call chain from the steady-state entry point; and that it stays quiet where the
 * code is safe.
 */
class SteadyStatePathsTest {

  /** An allocating @InitPhase method called from a training step. */
  private static final String TRAINER =
      """
      package planted;
      import dev.spela.protocols.subset.InitPhase;
      import dev.spela.protocols.subset.SteadyState;
      @SteadyState
      public final class Trainer {
        private int[] scratch = new int[4];
        public int train(int x) {
          return step(x); // train
        }
        private int step(int x) {
          resize(x); // step
          return scratch.length;
        }
        @InitPhase
        public void resize(int size) {
          scratch = new int[size];
        }
      }
      """;

  /** A holder class whose static initialiser allocates on first use. */
  private static final String HOLDER =
      """
      package planted;
      public final class Holder {
        static final int[] TABLE = new int[256]; // table
        static int at(int i) {
          return TABLE[i & 255];
        }
      }
      """;

  private static final String LOOKUP =
      """
      package planted;
      import dev.spela.protocols.subset.SteadyState;
      @SteadyState
      public final class Lookup {
        public int find(int i) {
          return Holder.at(i); // lazy
        }
      }
      """;

  /** Forces Holder in its constructor, before any branch: safe. */
  private static final String FORCED_LOOKUP =
      """
      package planted;
      import dev.spela.protocols.subset.SteadyState;
      @SteadyState
      public final class ForcedLookup {
        private final int first = Holder.at(0);
        public int find(int i) {
          return Holder.at(i) + first;
        }
      }
      """;

  /** Initialises Holder only on one branch of its constructor: not forced. */
  private static final String MAYBE_LOOKUP =
      """
      package planted;
      import dev.spela.protocols.subset.SteadyState;
      @SteadyState
      public final class MaybeLookup {
        private int first;
        public MaybeLookup(boolean warm) {
          if (warm) {
            first = Holder.at(0);
          }
        }
        public int find(int i) {
          return Holder.at(i) + first; // maybe
        }
      }
      """;

  /** An interface declared as entry points: its implementations are reached through it. */
  private static final String DECODER =
      """
      package planted;
      import dev.spela.protocols.subset.SteadyState;
      @SteadyState
      public interface Decoder {
        int decode(int x);
      }
      """;

  private static final String TABLE_DECODER =
      """
      package planted;
      public final class TableDecoder implements Decoder {
        public int decode(int x) {
          return Holder.at(x); // through the interface
        }
      }
      """;

  /** The holder is its own entry point: its first call initialises it. */
  private static final String STATIC_ENTRY =
      """
      package planted;
      import dev.spela.protocols.subset.SteadyState;
      public final class StaticEntry {
        private static final byte[] PREFIX = {'s', 'p'};
        @SteadyState
        public static int first() {
          return PREFIX[0]; // static entry
        }
      }
      """;

  /** Virtual and interface calls: every implementation in the program is a target. */
  private static final String KERNEL =
      """
      package planted;
      public interface Kernel {
        int run(int[] x);
      }
      """;

  private static final String INPUT_MAJOR =
      """
      package planted;
      public final class InputMajor implements Kernel {
        public int run(int[] x) {
          return x.length;
        }
      }
      """;

  private static final String OUTPUT_MAJOR =
      """
      package planted;
      public class OutputMajor implements Kernel {
        public int run(int[] x) {
          int[] scratch = new int[68]; // mutant
          return scratch.length + x.length;
        }
      }
      """;

  private static final String NETWORK =
      """
      package planted;
      import dev.spela.protocols.subset.SteadyState;
      public final class Network {
        private final Kernel[] layers = {new InputMajor(), new OutputMajor()};
        @SteadyState
        public int step(int[] x) {
          int sum = 0;
          for (Kernel layer : layers) {
            sum += layer.run(x); // dispatch
          }
          return sum;
        }
      }
      """;

  /** Operations that make the VM allocate an exception. */
  private static final String ARITHMETIC =
      """
      package planted;
      import dev.spela.protocols.subset.SteadyState;
      @SteadyState
      public final class Arithmetic {
        public int byParameter(int a, int b) {
          return a / b; // unproven
        }
        public int byConstant(int a) {
          return a / 3 + a % 7;
        }
        public int guarded(int a, int b) {
          return b != 0 ? a / b : 0;
        }
        public long guardedLong(long a, long n) {
          if (n <= 0) {
            return 0;
          }
          return a / n + a % n;
        }
        public long widened(long a, int n) {
          if (n < 1) {
            return 0;
          }
          return a / n;
        }
        public int reassigned(int a, int b) {
          if (b == 0) {
            return 0;
          }
          b = b - 1;
          return a / b; // reassigned
        }
        public Object cast(Object o) {
          return (Arithmetic) o; // cast
        }
        public void store(Object[] into, Object value) {
          into[0] = value; // store
        }
        public int name() {
          return "layer".length(); // string
        }
      }
      """;

  /** A call to a class that is neither in the program nor in the JDK. */
  private static final String USES_LIBRARY =
      """
      package planted;
      public final class UsesLibrary {
        public int help() {
          return planted.library.Helper.help(); // library
        }
      }
      """;

  private static final String HELPER =
      """
      package planted.library;
      public final class Helper {
        public static int help() {
          return 1;
        }
      }
      """;

  /** A project class whose call lands in an inherited JDK method. */
  private static final String INHERITS =
      """
      package planted;
      public final class Inherits extends IllegalStateException {
        public Inherits() {
          super("inherits");
        }
        public int described() {
          return getMessage() == null ? 0 : 1; // inherited
        }
      }
      """;

  private static final String BOTH_MARKS =
      """
      package planted;
      import dev.spela.protocols.subset.InitPhase;
      import dev.spela.protocols.subset.SteadyState;
      public final class BothMarks {
        @SteadyState
        @InitPhase
        public void confused() {}
      }
      """;

  /** A look-alike InitPhase, shipped in another jar with the code that uses it. */
  private static final String LOOK_ALIKE_INIT_PHASE =
      """
      package dev.spela.protocols.subset;
      import java.lang.annotation.ElementType;
      import java.lang.annotation.Retention;
      import java.lang.annotation.RetentionPolicy;
      import java.lang.annotation.Target;
      @Retention(RetentionPolicy.CLASS)
      @Target({ElementType.METHOD, ElementType.CONSTRUCTOR})
      public @interface InitPhase {}
      """;

  private static final String SNEAKY =
      """
      package planted.other;
      import dev.spela.protocols.subset.InitPhase;
      import dev.spela.protocols.subset.SteadyState;
      @SteadyState
      public final class Sneaky {
        public int step() {
          return grow(); // step
        }
        @InitPhase
        int grow() {
          return new int[8].length; // grow
        }
      }
      """;

  /** The same mark declared with runtime retention. */
  private static final String VISIBLE_INIT_PHASE =
      LOOK_ALIKE_INIT_PHASE.replace("RetentionPolicy.CLASS", "RetentionPolicy.RUNTIME");

  private static final String VISIBLE =
      """
      package planted.visible;
      import dev.spela.protocols.subset.InitPhase;
      public final class Visible {
        @InitPhase
        public int grow() {
          return new int[8].length;
        }
      }
      """;

  @TempDir static Path work;
  private static Path marks;
  private static Path program;
  private static SubsetReport report;

  @BeforeAll
  static void compileAndCheck() throws IOException {
    marks = JavaSources.compileMarks(work.resolve("marks"));
    Path library = work.resolve("library");
    JavaSources.compile(library, 8, Map.of("planted.library.Helper", HELPER));
    program = work.resolve("program");
    JavaSources.compile(
        program,
        8,
        Map.ofEntries(
            Map.entry("planted.Trainer", TRAINER),
            Map.entry("planted.Holder", HOLDER),
            Map.entry("planted.Lookup", LOOKUP),
            Map.entry("planted.ForcedLookup", FORCED_LOOKUP),
            Map.entry("planted.MaybeLookup", MAYBE_LOOKUP),
            Map.entry("planted.StaticEntry", STATIC_ENTRY),
            Map.entry("planted.Decoder", DECODER),
            Map.entry("planted.TableDecoder", TABLE_DECODER),
            Map.entry("planted.Kernel", KERNEL),
            Map.entry("planted.InputMajor", INPUT_MAJOR),
            Map.entry("planted.OutputMajor", OUTPUT_MAJOR),
            Map.entry("planted.Network", NETWORK),
            Map.entry("planted.Arithmetic", ARITHMETIC),
            Map.entry("planted.UsesLibrary", USES_LIBRARY),
            Map.entry("planted.Inherits", INHERITS),
            Map.entry("planted.BothMarks", BOTH_MARKS)),
        marks,
        library);
    report = new SubsetChecker(marks).check(program);
  }

  @Test
  void anInitPhaseMethodCalledFromATrainingStepIsReportedWithItsChain() {
    assertEquals(
        List.of(
            new Violation(
                "planted.Trainer",
                "step(I)I",
                JavaSources.lineOf(TRAINER, "// step"),
                Rule.INIT_PHASE,
                "calls @InitPhase method planted.Trainer.resize(I)V",
                List.of(
                    "planted.Trainer.train(I)I [line " + JavaSources.lineOf(TRAINER, "// train") + "]",
                    "planted.Trainer.step(I)I"))),
        violationsIn("planted.Trainer"));
  }

  @Test
  void aHolderWhoseStaticInitialiserAllocatesOnFirstUseIsReported() {
    String allocation =
        "new int[] in planted.Holder.<clinit>()V [line "
            + JavaSources.lineOf(HOLDER, "// table")
            + "]";
    assertEquals(
        List.of(
            new Violation(
                "planted.Lookup",
                "find(I)I",
                JavaSources.lineOf(LOOKUP, "// lazy"),
                Rule.CLASS_INIT,
                "initialises planted.Holder, which allocates ("
                    + allocation
                    + ") and is not forced at initialisation: no object the path runs on"
                    + " initialised it when it was constructed",
                List.of("planted.Lookup.find(I)I"))),
        violationsIn("planted.Lookup"));
    // Initialising it on one branch of the constructor does not force it.
    assertEquals(
        List.of("planted.MaybeLookup.find(I)I"),
        violationsIn("planted.MaybeLookup").stream().map(v -> String.join(" -> ", v.chain())).toList());
    assertEquals(Rule.CLASS_INIT, violationsIn("planted.MaybeLookup").get(0).rule());
    // Initialising it before the constructor's first branch does; so does being a method of it.
    assertEquals(List.of(), violationsIn("planted.ForcedLookup"));
    assertEquals(List.of(), violationsIn("planted.Holder"));
  }

  @Test
  void anInterfaceEntryPointReachesItsImplementations() {
    List<Violation> found = violationsIn("planted.TableDecoder");
    assertEquals(1, found.size(), found::toString);
    assertEquals(Rule.CLASS_INIT, found.get(0).rule());
    assertEquals(JavaSources.lineOf(TABLE_DECODER, "// through"), found.get(0).line());
    assertEquals(
        List.of("planted.Decoder.decode(I)I", "planted.TableDecoder.decode(I)I"),
        found.get(0).chain());
  }

  @Test
  void aStaticEntryPointsFirstCallInitialisesItsClass() {
    List<Violation> found = violationsIn("planted.StaticEntry");
    assertEquals(1, found.size(), found::toString);
    assertEquals(Rule.CLASS_INIT, found.get(0).rule());
    assertEquals("first()I", found.get(0).member());
    assertEquals(JavaSources.lineOf(STATIC_ENTRY, "// static entry"), found.get(0).line());
  }

  @Test
  void virtualAndInterfaceCallsReachEveryImplementation() {
    int dispatch = JavaSources.lineOf(NETWORK, "// dispatch");
    assertEquals(
        List.of(
            new Violation(
                "planted.OutputMajor",
                "run([I)I",
                JavaSources.lineOf(OUTPUT_MAJOR, "// mutant"),
                Rule.ALLOCATION,
                "new int[]" + ClassInspection.ALLOCATION_PLACES,
                List.of(
                    "planted.Network.step([I)I [line " + dispatch + "]",
                    "planted.OutputMajor.run([I)I"))),
        violationsIn("planted.OutputMajor"));
    assertEquals(List.of(), violationsIn("planted.InputMajor"));
    assertEquals(List.of(), violationsIn("planted.Network")); // its array is built by <init>
  }

  @Test
  void operationsThatMakeTheVmAllocateAnExceptionAreReportedUnlessShownImpossible() {
    String divisor =
        " by a divisor the check cannot show non-zero (ArithmeticException): divide by a non-zero"
            + " constant, or test the divisor against 0 first";
    assertEquals(
        List.of(
            "byParameter(II)I " + JavaSources.lineOf(ARITHMETIC, "// unproven") + " IDIV" + divisor,
            "reassigned(II)I " + JavaSources.lineOf(ARITHMETIC, "// reassigned") + " IDIV" + divisor,
            "cast(Ljava/lang/Object;)Ljava/lang/Object; "
                + JavaSources.lineOf(ARITHMETIC, "// cast")
                + " cast to planted.Arithmetic (ClassCastException)",
            "store([Ljava/lang/Object;Ljava/lang/Object;)V "
                + JavaSources.lineOf(ARITHMETIC, "// store")
                + " store into an array of references (ArrayStoreException)"),
        violationsIn("planted.Arithmetic").stream()
            .filter(v -> v.rule() == Rule.EXCEPTION)
            .map(v -> v.member() + " " + v.line() + " " + v.detail())
            .toList());
  }

  @Test
  void aStringConstantOnASteadyStatePathIsAnAllocation() {
    assertReported(
        "planted.Arithmetic",
        "name()I",
        JavaSources.lineOf(ARITHMETIC, "// string"),
        Rule.ALLOCATION,
        "string constant \"layer\" (the VM may create the String at its first use)");
  }

  @Test
  void classesOutsideTheProgramAreJudgedByTheAllowlistWhateverTheirPackage() {
    assertReported(
        "planted.UsesLibrary",
        "help()I",
        JavaSources.lineOf(USES_LIBRARY, "// library"),
        Rule.JDK_API,
        "call to planted/library/Helper.help()I is neither defined by the checked classes nor in"
            + " the allowlist");
    assertEquals(
        List.of(
            new Violation(
                "planted.Inherits",
                "described()I",
                JavaSources.lineOf(INHERITS, "// inherited"),
                Rule.JDK_API,
                "call to planted/Inherits.getMessage()Ljava/lang/String; runs"
                    + " java/lang/Throwable.getMessage()Ljava/lang/String;, which is not in the"
                    + " allowlist")),
        violationsIn("planted.Inherits"));
  }

  @Test
  void callsThroughJdkTypesReachTheProjectsImplementations() throws IOException {
    String task =
        """
        package planted.jdk;
        public final class Task implements Runnable {
          public void run() {
            int[] buffer = new int[2]; // run
          }
        }
        """;
    String loop =
        """
        package planted.jdk;
        import dev.spela.protocols.subset.SteadyState;
        public final class Loop {
          private final Runnable task = new Task();
          @SteadyState
          public void tick() {
            task.run(); // tick
          }
        }
        """;
    Path dir = work.resolve("jdk");
    JavaSources.compile(dir, 8, Map.of("planted.jdk.Task", task, "planted.jdk.Loop", loop), marks);
    Allowlist withRunnable =
        Allowlist.parse(
            new StringReader(
                "java/lang/Object\njava/lang/Object.<init>()V\njava/lang/Runnable\n"
                    + "java/lang/Runnable.run()V\n"));
    List<Violation> found = new SubsetChecker(withRunnable, marks).check(dir).violations();
    assertEquals(
        List.of(
            new Violation(
                "planted.jdk.Task",
                "run()V",
                JavaSources.lineOf(task, "// run"),
                Rule.ALLOCATION,
                "new int[]" + ClassInspection.ALLOCATION_PLACES,
                List.of(
                    "planted.jdk.Loop.tick()V [line " + JavaSources.lineOf(loop, "// tick") + "]",
                    "planted.jdk.Task.run()V"))),
        found);
  }

  @Test
  void aLookAlikeInitPhaseFromAnotherJarDoesNotCount() throws IOException {
    Path lookAlike = work.resolve("look-alike");
    JavaSources.compile(
        lookAlike,
        8,
        Map.of(
            "dev.spela.protocols.subset.InitPhase", LOOK_ALIKE_INIT_PHASE,
            "planted.other.Sneaky", SNEAKY),
        marks);
    Path jar = JavaSources.jar(lookAlike, work.resolve("look-alike.jar"));
    List<Violation> found = new SubsetChecker(marks).check(jar).violations();
    assertEquals(
        List.of(
            new Violation(
                "dev.spela.protocols.subset.InitPhase",
                "",
                Violation.NO_LINE,
                Rule.MARK,
                jar
                    + "!/dev/spela/protocols/subset/InitPhase.class is a look-alike: only the marks"
                    + " module "
                    + marks
                    + " defines classes in dev.spela.protocols.subset (marks of that name count"
                    + " nowhere in this check)"),
            new Violation(
                "planted.other.Sneaky",
                "grow()I",
                JavaSources.lineOf(SNEAKY, "// grow"),
                Rule.ALLOCATION,
                "new int[]" + ClassInspection.ALLOCATION_PLACES,
                List.of(
                    "planted.other.Sneaky.step()I [line "
                        + JavaSources.lineOf(SNEAKY, "// step")
                        + "]",
                    "planted.other.Sneaky.grow()I"))),
        found);
  }

  @Test
  void aMarkWithRuntimeRetentionIsALookAlike() throws IOException {
    Path annotation = work.resolve("visible-mark");
    JavaSources.compile(
        annotation, 8, Map.of("dev.spela.protocols.subset.InitPhase", VISIBLE_INIT_PHASE));
    Path dir = work.resolve("visible");
    JavaSources.compile(dir, 8, Map.of("planted.visible.Visible", VISIBLE), annotation);
    List<Violation> found = new SubsetChecker(marks).check(dir).violations();
    assertEquals(
        List.of(Rule.MARK, Rule.ALLOCATION), found.stream().map(Violation::rule).toList(), found::toString);
    assertEquals(
        "annotated with a look-alike of dev.spela.protocols.subset.InitPhase: it has runtime"
            + " retention, the project's mark has class retention",
        found.get(0).detail());
  }

  @Test
  void theMarksModulesOwnClassesAreNotLookAlikes() throws IOException {
    assertEquals(List.of(), new SubsetChecker(marks).check(marks, work.resolve("library")).violations());
  }

  @Test
  void aMethodMarkedBothWaysIsReported() {
    assertEquals(
        List.of(
            new Violation(
                "planted.BothMarks",
                "confused()V",
                Violation.NO_LINE,
                Rule.MARK,
                "marked both @SteadyState and @InitPhase")),
        violationsIn("planted.BothMarks"));
  }

  @Test
  void entryPointsAreListed() {
    assertTrue(report.entryPoints().contains("planted.Trainer.train(I)I"), report::toString);
    assertTrue(report.entryPoints().contains("planted.Network.step([I)I"), report::toString);
    // A class mark covers public methods, not constructors or @InitPhase methods.
    assertTrue(!report.entryPoints().contains("planted.Trainer.resize(I)V"), report::toString);
    assertTrue(!report.entryPoints().contains("planted.Trainer.<init>()V"), report::toString);
  }

  @Test
  void aMarksModuleWithoutTheMarksIsRejected() {
    Path notMarks = work.resolve("library");
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new SubsetChecker(notMarks).check(program));
    assertEquals(
        notMarks
            + ": not the project's marks module (the protocols classes): it does not define"
            + " dev.spela.protocols.subset.InitPhase",
        e.getMessage());
  }

  @Test
  void twoInputsDefiningTheSameClassAreRejected() {
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new SubsetChecker(marks).check(program, program));
    assertTrue(e.getMessage().contains(" defines planted."), e::getMessage);
  }

  private static List<Violation> violationsIn(String className) {
    return Reports.violationsIn(report, className);
  }

  private static void assertReported(
      String className, String member, int line, Rule rule, String detail) {
    Reports.assertReported(report, className, member, line, rule, detail);
  }
}
