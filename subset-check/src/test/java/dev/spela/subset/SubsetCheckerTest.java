package dev.spela.subset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Plants each kind of violation in real Java sources, compiles them as Maven compiles the device
 * modules ({@code --release 8}, debug information), and checks that every rule reports the right
 * class, member and reason, and stays quiet on code that follows the subset.
 */
class SubsetCheckerTest {

  private static final String FLOAT_ARITHMETIC =
      """
      package planted;
      public class FloatArithmetic {
        public int scale(int x) {
          float half = x * 0.5f; // float
          return (int) half;
        }
      }
      """;

  private static final String DOUBLE_FIELD =
      """
      package planted;
      public class DoubleField {
        double gain;
      }
      """;

  private static final String FLOAT_PARAMETER =
      """
      package planted;
      public class FloatParameter {
        static int round(float value) {
          return 0;
        }
      }
      """;

  private static final String USES_ARRAY_LIST =
      """
      package planted;
      import java.util.ArrayList;
      public class UsesArrayList {
        private final ArrayList<int[]> items = new ArrayList<>();
        public int count() {
          return items.size(); // size
        }
      }
      """;

  private static final String CONCATENATION =
      """
      package planted;
      public class Concatenation {
        public String label(int id) {
          return "layer " + id;
        }
      }
      """;

  private static final String LAMBDA =
      """
      package planted;
      public class Lambda {
        public Runnable task() {
          return () -> {}; // lambda
        }
      }
      """;

  private static final String BUFFERS =
      """
      package planted;
      import dev.spela.protocols.subset.InitPhase;
      public class Buffers {
        static final int[] TABLE = new int[4];
        private int[] scratch;
        public Buffers() {
          scratch = new int[4];
        }
        @InitPhase
        public void resize(int size) {
          scratch = new int[size];
        }
        public void step() {
          scratch = new int[4]; // hot
        }
      }
      """;

  private static final String THROWING =
      """
      package planted;
      public class Throwing {
        public int check(int x) {
          if (x < 0) {
            throw new IllegalStateException(); // throw
          }
          return x;
        }
      }
      """;

  private static final String BOXING =
      """
      package planted;
      public class Boxing {
        public Object box(int x) {
          return Integer.valueOf(x);
        }
        public Object autobox(int x) {
          Object boxed = x; // autobox
          return boxed;
        }
      }
      """;

  private static final String REFLECTION =
      """
      package planted;
      public class Reflection {
        public Object find() throws Exception {
          return Class.forName("planted.Clean").getMethod("forward"); // reflect
        }
      }
      """;

  /** Shaped like real device code: a fixed-point layer with buffers sized at initialisation. */
  private static final String CLEAN =
      """
      package planted;
      import dev.spela.protocols.subset.InitPhase;
      public final class Clean implements Layer {
        public static final int STATUS_OK = 0;
        public static final int STATUS_BAD_SIZE = -1;
        private static final String NAME = "dense";
        private static final int[] SHIFTS = {0, 1, 2};
        private final int[] weights;
        private int[] activations;

        public Clean(int inputs, int outputs) {
          if (inputs <= 0 || outputs <= 0) {
            throw new IllegalArgumentException("layer sizes must be positive");
          }
          weights = new int[inputs * outputs];
        }

        @InitPhase
        public void allocate(int outputs) {
          activations = new int[outputs];
        }

        @Override
        public int forward(int[] input, int length) {
          if (activations == null || length > input.length) {
            return STATUS_BAD_SIZE;
          }
          int outputs = activations.length;
          for (int o = 0; o < outputs; o++) {
            long sum = 0;
            for (int i = 0; i < length; i++) {
              sum += (long) weights[o * length + i] * input[i];
            }
            int shift = Math.max(SHIFTS[0], 64 - Long.numberOfLeadingZeros(Math.abs(sum)) - 31);
            activations[o] = (int) (sum >> shift);
          }
          System.arraycopy(activations, 0, input, 0, Math.min(outputs, input.length));
          return STATUS_OK;
        }

        public static String name() {
          return NAME;
        }

        static final class Scale {
          static int apply(int value, int shift) {
            return shift >= 0 ? value >> shift : value << Integer.numberOfTrailingZeros(-shift);
          }
        }
      }
      """;

  private static final String LAYER =
      """
      package planted;
      public interface Layer {
        int forward(int[] input, int length);
      }
      """;

  private static final String MODERN =
      """
      package planted;
      public class Modern {
        public String label(int id) {
          return "layer " + id;
        }
      }
      """;

  @TempDir static Path work;
  private static Path marks;
  private static Path release8;
  private static Path release17;
  private static SubsetReport report;

  @BeforeAll
  static void compileAndCheck() throws IOException {
    marks = JavaSources.compileMarks(work.resolve("marks"));
    release8 = work.resolve("release8");
    JavaSources.compile(
        release8,
        8,
        Map.ofEntries(
            Map.entry("planted.FloatArithmetic", FLOAT_ARITHMETIC),
            Map.entry("planted.DoubleField", DOUBLE_FIELD),
            Map.entry("planted.FloatParameter", FLOAT_PARAMETER),
            Map.entry("planted.UsesArrayList", USES_ARRAY_LIST),
            Map.entry("planted.Concatenation", CONCATENATION),
            Map.entry("planted.Lambda", LAMBDA),
            Map.entry("planted.Buffers", BUFFERS),
            Map.entry("planted.Throwing", THROWING),
            Map.entry("planted.Boxing", BOXING),
            Map.entry("planted.Reflection", REFLECTION),
            Map.entry("planted.Clean", CLEAN),
            Map.entry("planted.Layer", LAYER)),
        marks);
    release17 = work.resolve("release17");
    JavaSources.compile(release17, 17, Map.of("planted.Modern", MODERN));
    report = new SubsetChecker(marks).check(release8, release17);
  }

  @Test
  void countsEveryClassFile() {
    // 12 sources for release 8 and Clean$Scale, plus Modern for release 17.
    assertEquals(14, report.classCount());
  }

  @Test
  void codeThatFollowsTheSubsetHasNoViolations() {
    assertEquals(List.of(), violationsIn("planted.Clean"));
    assertEquals(List.of(), violationsIn("planted.Clean$Scale"));
    assertEquals(List.of(), violationsIn("planted.Layer"));
  }

  @Test
  void floatArithmeticIsReportedOpcodeByOpcodeWithItsLine() {
    int line = JavaSources.lineOf(FLOAT_ARITHMETIC, "// float");
    List<Violation> found = violationsIn("planted.FloatArithmetic");
    for (String detail :
        List.of(
            "floating-point constant 0.5",
            "opcode I2F works on float or double",
            "opcode FMUL works on float or double",
            "opcode FSTORE works on float or double")) {
      assertReported("planted.FloatArithmetic", "scale(I)I", line, Rule.FLOATING_POINT, detail);
    }
    assertReported(
        "planted.FloatArithmetic",
        "scale(I)I",
        line + 1,
        Rule.FLOATING_POINT,
        "opcode F2I works on float or double");
    assertTrue(
        found.stream().allMatch(v -> v.rule() == Rule.FLOATING_POINT && v.member().equals("scale(I)I")),
        () -> "unexpected violations: " + found);
  }

  @Test
  void doubleFieldIsReported() {
    assertEquals(
        List.of(
            new Violation(
                "planted.DoubleField",
                "gain:D",
                Violation.NO_LINE,
                Rule.FLOATING_POINT,
                "field type double is floating point")),
        violationsIn("planted.DoubleField"));
  }

  @Test
  void floatInAMethodDescriptorIsReported() {
    assertReported(
        "planted.FloatParameter",
        "round(F)I",
        JavaSources.lineOf(FLOAT_PARAMETER, "return 0"),
        Rule.FLOATING_POINT,
        "parameter type float is floating point");
  }

  @Test
  void javaUtilIsReportedWhereverItIsUsed() {
    assertReported(
        "planted.UsesArrayList",
        "count()I",
        JavaSources.lineOf(USES_ARRAY_LIST, "// size"),
        Rule.JDK_API,
        "call to java/util/ArrayList.size()I is not in the allowlist");
    assertReported(
        "planted.UsesArrayList",
        "items:Ljava/util/ArrayList;",
        Violation.NO_LINE,
        Rule.JDK_API,
        "field type java/util/ArrayList is not in the allowlist");
    assertReported(
        "planted.UsesArrayList",
        "<init>()V",
        JavaSources.lineOf(USES_ARRAY_LIST, "new ArrayList"),
        Rule.JDK_API,
        "call to java/util/ArrayList.<init>()V is not in the allowlist");
  }

  @Test
  void stringConcatenationOnJava8IsReportedAsStringBuilder() {
    int line = JavaSources.lineOf(CONCATENATION, "\"layer \"");
    assertReported(
        "planted.Concatenation",
        "label(I)Ljava/lang/String;",
        line,
        Rule.JDK_API,
        "call to java/lang/StringBuilder.append(I)Ljava/lang/StringBuilder; is not in the allowlist");
    assertReported(
        "planted.Concatenation",
        "label(I)Ljava/lang/String;",
        line,
        Rule.ALLOCATION,
        "new java.lang.StringBuilder outside a constructor, static initialiser or @InitPhase method");
  }

  @Test
  void lambdaIsReportedAsInvokedynamic() {
    assertReported(
        "planted.Lambda",
        "task()Ljava/lang/Runnable;",
        JavaSources.lineOf(LAMBDA, "// lambda"),
        Rule.INVOKEDYNAMIC,
        "invokedynamic run()Ljava/lang/Runnable; bootstrapped by"
            + " java/lang/invoke/LambdaMetafactory.metafactory (a lambda or method reference)");
  }

  @Test
  void allocationIsAllowedOnlyInConstructorsStaticInitialisersAndInitPhaseMethods() {
    assertEquals(
        List.of(
            new Violation(
                "planted.Buffers",
                "step()V",
                JavaSources.lineOf(BUFFERS, "// hot"),
                Rule.ALLOCATION,
                "new int[] outside a constructor, static initialiser or @InitPhase method")),
        violationsIn("planted.Buffers"));
  }

  @Test
  void throwingANewExceptionOnAHotPathIsAnAllocation() {
    int line = JavaSources.lineOf(THROWING, "// throw");
    assertReported(
        "planted.Throwing",
        "check(I)I",
        line,
        Rule.ALLOCATION,
        "new java.lang.IllegalStateException outside a constructor, static initialiser or"
            + " @InitPhase method");
    // Only the message-taking constructors are allowlisted.
    assertReported(
        "planted.Throwing",
        "check(I)I",
        line,
        Rule.JDK_API,
        "call to java/lang/IllegalStateException.<init>()V is not in the allowlist");
  }

  @Test
  void boxingIsReportedExplicitOrAutomatic() {
    String valueOf = "call to java/lang/Integer.valueOf(I)Ljava/lang/Integer; is not in the allowlist";
    assertReported(
        "planted.Boxing",
        "box(I)Ljava/lang/Object;",
        JavaSources.lineOf(BOXING, "Integer.valueOf"),
        Rule.JDK_API,
        valueOf);
    assertReported(
        "planted.Boxing",
        "autobox(I)Ljava/lang/Object;",
        JavaSources.lineOf(BOXING, "// autobox"),
        Rule.JDK_API,
        valueOf);
  }

  @Test
  void reflectionIsReported() {
    int line = JavaSources.lineOf(REFLECTION, "// reflect");
    assertReported(
        "planted.Reflection",
        "find()Ljava/lang/Object;",
        line,
        Rule.JDK_API,
        "call to java/lang/Class.forName(Ljava/lang/String;)Ljava/lang/Class; is not in the allowlist");
    assertReported(
        "planted.Reflection",
        "find()Ljava/lang/Object;",
        line,
        Rule.JDK_API,
        "call to java/lang/Class.getMethod(Ljava/lang/String;[Ljava/lang/Class;)"
            + "Ljava/lang/reflect/Method; is not in the allowlist");
  }

  @Test
  void classFilesNewerThanJava8AreReported() {
    assertReported(
        "planted.Modern",
        "",
        Violation.NO_LINE,
        Rule.CLASS_VERSION,
        "class file version 61 (Java 17); device classes must be version 52 (Java 8) or older");
    // Java 9+ compiles concatenation to invokedynamic.
    assertReported(
        "planted.Modern",
        "label(I)Ljava/lang/String;",
        JavaSources.lineOf(MODERN, "\"layer \""),
        Rule.INVOKEDYNAMIC,
        "invokedynamic makeConcatWithConstants(I)Ljava/lang/String; bootstrapped by"
            + " java/lang/invoke/StringConcatFactory.makeConcatWithConstants (string concatenation)");
  }

  @Test
  void methodHandleMethodTypeAndDynamicConstantsAreReported() throws IOException {
    // javac emits these constants only behind invokedynamic, so the class is written with ASM.
    Path dir = Files.createDirectories(work.resolve("constants/planted"));
    Files.write(dir.resolve("Constants.class"), classLoadingConstants());
    String member = "constants()V";
    assertEquals(
        List.of(
            new Violation(
                "planted.Constants", member, Violation.NO_LINE, Rule.INVOKEDYNAMIC,
                "method handle constant planted/Constants.constants()V"),
            new Violation(
                "planted.Constants", member, Violation.NO_LINE, Rule.INVOKEDYNAMIC,
                "method type constant ()V"),
            new Violation(
                "planted.Constants", member, Violation.NO_LINE, Rule.INVOKEDYNAMIC,
                "dynamic constant answer:I")),
        new SubsetChecker(marks).check(dir).violations());
  }

  private static byte[] classLoadingConstants() {
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
    writer.visit(Opcodes.V1_8, Opcodes.ACC_PUBLIC, "planted/Constants", null, "java/lang/Object", null);
    MethodVisitor method =
        writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "constants", "()V", null, null);
    method.visitCode();
    Handle self = new Handle(Opcodes.H_INVOKESTATIC, "planted/Constants", "constants", "()V", false);
    method.visitLdcInsn(self);
    method.visitInsn(Opcodes.POP);
    method.visitLdcInsn(Type.getMethodType("()V"));
    method.visitInsn(Opcodes.POP);
    method.visitLdcInsn(new ConstantDynamic("answer", "I", self));
    method.visitInsn(Opcodes.POP);
    method.visitInsn(Opcodes.RETURN);
    method.visitMaxs(0, 0);
    method.visitEnd();
    writer.visitEnd();
    return writer.toByteArray();
  }

  @Test
  void jarsAndSingleClassFilesGiveTheSameViolationsAsTheirFolder() throws IOException {
    Path jar = JavaSources.jar(release8, work.resolve("planted.jar"));
    SubsetChecker checker = new SubsetChecker(marks);
    SubsetReport fromFolder = checker.check(release8);
    assertEquals(fromFolder, checker.check(jar));

    Path buffers = release8.resolve("planted/Buffers.class");
    SubsetReport single = checker.check(buffers);
    assertEquals(1, single.classCount());
    assertEquals(violationsIn("planted.Buffers"), single.violations());
  }

  @Test
  void pathsThatHoldNoClassFilesAreRejected() throws IOException {
    SubsetChecker checker = new SubsetChecker(marks);
    Path missing = work.resolve("missing");
    Path text = Files.writeString(work.resolve("notes.txt"), "not a class");
    Path empty = Files.createDirectories(work.resolve("empty"));
    assertEquals(
        missing + ": no such file or directory",
        assertThrows(IllegalArgumentException.class, () -> checker.check(missing)).getMessage());
    assertEquals(
        text + ": not a directory, .class file or .jar file",
        assertThrows(IllegalArgumentException.class, () -> checker.check(text)).getMessage());
    assertEquals(
        empty + ": contains no class files",
        assertThrows(IllegalArgumentException.class, () -> checker.check(release8, empty)).getMessage());
  }

  @Test
  void corruptClassFilesAndJarsAreReadErrors() throws IOException {
    SubsetChecker checker = new SubsetChecker(marks);
    Path badClass = Files.write(work.resolve("Bad.class"), new byte[] {(byte) 0xCA, (byte) 0xFE});
    Path badJar = Files.writeString(work.resolve("bad.jar"), "not a zip");
    assertTrue(
        assertThrows(IOException.class, () -> checker.check(badClass))
            .getMessage()
            .startsWith(badClass + ": not a valid class file"));
    assertTrue(
        assertThrows(IOException.class, () -> checker.check(badJar))
            .getMessage()
            .startsWith(badJar + ": not a valid jar"));
  }

  @Test
  void formatsOneLinePerViolation() {
    assertEquals(
        "planted.Buffers.step()V [line 14]: ALLOCATION: new int[] outside a constructor, static"
            + " initialiser or @InitPhase method",
        violationsIn("planted.Buffers").get(0).format());
    assertEquals(
        "planted.Modern: CLASS_VERSION: class file version 61 (Java 17); device classes must be"
            + " version 52 (Java 8) or older",
        violationsIn("planted.Modern").get(0).format());
    assertEquals(
        "1 class checked, 0 steady-state entry points, 0 violations",
        new SubsetReport(1, List.of(), List.of()).summary());
    assertFalse(report.isClean());
  }

  private static List<Violation> violationsIn(String className) {
    return Reports.violationsIn(report, className);
  }

  private static void assertReported(
      String className, String member, int line, Rule rule, String detail) {
    Reports.assertReported(report, className, member, line, rule, detail);
  }
}
