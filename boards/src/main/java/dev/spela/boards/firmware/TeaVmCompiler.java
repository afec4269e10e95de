package dev.spela.boards.firmware;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Stream;
import org.teavm.diagnostics.DefaultProblemTextConsumer;
import org.teavm.diagnostics.Problem;
import org.teavm.diagnostics.ProblemSeverity;
import org.teavm.model.CallLocation;
import org.teavm.tooling.TeaVMTargetType;
import org.teavm.tooling.TeaVMTool;
import org.teavm.tooling.TeaVMToolException;
import org.teavm.vm.TeaVMOptimizationLevel;

/**
 * Java bytecode to C with TeaVM's C backend: the firmware's program and the device code it calls,
 * exactly the class files on this JVM's class path, with TeaVM's class library. The C depends only
 * on those classes, so it is generated once per JVM and copied for every firmware built after.
 *
 * <p>Five things in TeaVM's C are changed, each checked to be there exactly once: the Java heap
 * size TeaVM writes into {@code main.c} becomes a constant the board's payload defines ({@link
 * #HEAP_SYMBOL}), so that one compiled program serves every heap size; the capacity of its pool of
 * array classes made at run time ({@code arrayclass_gen.h}, 1,120 classes: 78 KB of RAM) becomes
 * a macro the C compiler gets ({@link #CLASS_POOL_MACRO}); and its bare-metal port's 4 KB page,
 * to which it rounds the heap and each of the GC's three tables, becomes {@link #PAGE_BYTES}; and
 * the start of a garbage collection calls the board's {@code spela_heap_full}: the firmware
 * allocates only when it starts, so a collection means the heap was planned too small, and the
 * firmware says so and stops rather than collect; and the address of an array's elements of up
 * to four bytes is the end of its 12-byte header, not that end rounded up to the element's size
 * ({@code TEAVM_ARRAY_DATA} in {@code core.h}). The rounding changes nothing (TeaVM allocates
 * every object, and lays out every constant array, at a multiple of four bytes, so the end of the
 * header is already aligned), but gcc then keeps an array's element index and its rounded base
 * apart and rebuilds each element's address from them, which spilled registers in the firmware's
 * hot loops (a 784-128-34 training step 485 k -> 433 k instructions on the Cortex-M4). Longs and
 * doubles keep TeaVM's rounding.
 */
final class TeaVmCompiler {

  /** The firmware's program: train, evaluate and report ({@code spela firmware build}). */
  static final String MAIN_CLASS = "dev.spela.firmware.FirmwareMain";

  /** The signed firmware's program: checks its image's signature first ({@code --signed}). */
  static final String SIGNED_MAIN_CLASS = "dev.spela.firmware.SignedFirmwareMain";

  /** The agent firmware's program: a fleet member over the UART ({@code --agent}). */
  static final String AGENT_MAIN_CLASS = "dev.spela.firmware.AgentMain";

  static final String HEAP_SYMBOL = "spela_java_heap_size";
  static final String CLASS_POOL_MACRO = "SPELA_ARRAY_CLASS_POOL";

  /** The page TeaVM rounds its heap regions to on bare metal: small, as RAM is. */
  static final int PAGE_BYTES = 64;

  /** Heap size given to TeaVM only to be found and replaced in main.c. */
  private static final int HEAP_PLACEHOLDER = 1_234_567;

  /** TeaVM's address of an array's elements: its header's end, rounded up to the element size. */
  private static final String ARRAY_DATA =
      "#define TEAVM_ARRAY_DATA(array, type) ((type*) TEAVM_ALIGN((((TeaVM_Array*) (array)) + 1),"
          + " sizeof(type)))";

  /** The same address without the rounding for elements of up to four bytes (already aligned). */
  private static final String ARRAY_DATA_ALIGNED_HEADER =
      "#define TEAVM_ARRAY_DATA(array, type) ((type*) (sizeof(type) <= sizeof(int32_t)"
          + " ? (void*) (((TeaVM_Array*) (array)) + 1)"
          + " : TEAVM_ALIGN((((TeaVM_Array*) (array)) + 1), sizeof(type))))";

  /** The C of each main class, generated once per JVM. */
  private static final Map<String, Map<String, byte[]>> GENERATED = new HashMap<>();

  private TeaVmCompiler() {}

  /**
   * Writes the C of the program whose main class is {@code mainClass} to {@code dir} (created),
   * the unity file being all.c.
   */
  static synchronized void generate(String mainClass, Path dir) throws IOException {
    Map<String, byte[]> generated = GENERATED.get(mainClass);
    if (generated == null) {
      generated = compile(mainClass);
      GENERATED.put(mainClass, generated);
    }
    for (Map.Entry<String, byte[]> file : generated.entrySet()) {
      Path target = dir.resolve(file.getKey());
      Files.createDirectories(target.getParent());
      Files.write(target, file.getValue());
    }
  }

  private static Map<String, byte[]> compile(String mainClass) throws IOException {
    Path out = Files.createTempDirectory("spela-teavm");
    try {
      TeaVMTool tool = new TeaVMTool();
      tool.setTargetType(TeaVMTargetType.C);
      tool.setMainClass(mainClass);
      tool.setTargetDirectory(out.toFile());
      tool.setOptimizationLevel(TeaVMOptimizationLevel.FULL);
      // No class and method names, no line tables: they would cost 30 KB of RAM in .data.
      tool.setObfuscated(true);
      tool.setShortFileNames(true);
      tool.setIncremental(false);
      tool.setMinHeapSize(HEAP_PLACEHOLDER);
      tool.setMaxHeapSize(HEAP_PLACEHOLDER);
      try {
        tool.generate();
      } catch (TeaVMToolException e) {
        throw new FirmwareException("TeaVM could not compile the firmware: " + e.getMessage(), e);
      }
      checkProblems(tool);
      Map<String, byte[]> files = read(out);
      patch(files, "main.c", "teavm_initHeap(" + HEAP_PLACEHOLDER + ", " + HEAP_PLACEHOLDER + ")",
          "teavm_initHeap(" + HEAP_SYMBOL + ", " + HEAP_SYMBOL + ")");
      patch(files, "main.c", "int main(int argc, char** argv) {",
          "extern const int32_t " + HEAP_SYMBOL + ";\nint main(int argc, char** argv) {");
      patch(files, "memory.c", "int64_t teavm_pageSize() {\n    return 4096LL;",
          "int64_t teavm_pageSize() {\n    return " + PAGE_BYTES + "LL;");
      patch(files, "heaptrace.c", "void teavm_gc_gcStarted(int32_t full) {",
          "void spela_heap_full(void);\nvoid teavm_gc_gcStarted(int32_t full) {\n    spela_heap_full();");
      patch(files, "core.h", ARRAY_DATA, ARRAY_DATA_ALIGNED_HEADER);
      patchPoolCapacity(files);
      return files;
    } finally {
      deleteTree(out);
    }
  }

  /**
   * TeaVM reports what its class library lacks (a method or class the device code uses) as errors;
   * each is a build error here, naming the member.
   */
  private static void checkProblems(TeaVMTool tool) {
    StringJoiner errors = new StringJoiner("; ");
    for (Problem problem : tool.getProblemProvider().getSevereProblems()) {
      if (problem.getSeverity() == ProblemSeverity.ERROR) {
        errors.add(describe(problem));
      }
    }
    if (errors.length() > 0) {
      throw new FirmwareException(
          "the firmware uses what TeaVM's class library does not provide (device code must stay"
              + " within both the embedded subset and TeaVM's library): "
              + errors);
    }
  }

  private static String describe(Problem problem) {
    DefaultProblemTextConsumer text = new DefaultProblemTextConsumer();
    problem.render(text);
    CallLocation location = problem.getLocation();
    if (location != null && location.getMethod() != null) {
      return text.getText() + " (in " + location.getMethod() + ")";
    }
    return text.getText();
  }

  private static void patch(Map<String, byte[]> files, String name, String from, String to) {
    String text = new String(files.get(name), UTF_8);
    int at = text.indexOf(from);
    if (at < 0 || text.indexOf(from, at + 1) >= 0) {
      throw new FirmwareException(
          "TeaVM's " + name + " does not have exactly one '" + from + "': unsupported TeaVM version?");
    }
    files.put(name, text.replace(from, to).getBytes(UTF_8));
  }

  private static void patchPoolCapacity(Map<String, byte[]> files) {
    String name = "arrayclass_gen.h";
    String text = new String(files.get(name), UTF_8);
    String patched =
        text.replaceFirst(
            "#define TEAVM_DYNAMIC_CLASS_POOL_CAPACITY \\d+",
            "#define TEAVM_DYNAMIC_CLASS_POOL_CAPACITY " + CLASS_POOL_MACRO);
    if (patched.equals(text)) {
      throw new FirmwareException(
          "TeaVM's " + name + " has no TEAVM_DYNAMIC_CLASS_POOL_CAPACITY: unsupported TeaVM version?");
    }
    files.put(name, patched.getBytes(UTF_8));
  }

  private static Map<String, byte[]> read(Path root) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
        files.put(root.relativize(file).toString(), Files.readAllBytes(file));
      }
    }
    return files;
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
