package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.protocols.subset.InitPhase;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Runs {@code spela verify-subset} on real class files: the protocols module (device code, which
 * the build keeps clean) and this module's own classes (Java 17 host code, full of violations).
 */
class VerifySubsetCommandTest {

  @TempDir Path work;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return SpelaCommand.execute(out, err, args);
  }

  /** The folder or jar the class was loaded from. */
  private static Path classesOf(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  @Test
  void deviceClassesPassWithExitZero() throws URISyntaxException {
    assertEquals(0, run("verify-subset", classesOf(InitPhase.class).toString()), err::toString);
    assertTrue(
        out.toString()
            .strip()
            .matches("\\d+ classes checked, \\d+ steady-state entry points, 0 violations"),
        out::toString);
  }

  @Test
  void hostClassesFailWithExitOneListingEachViolation() throws URISyntaxException {
    Path hostClasses = classesOf(VerifySubsetCommand.class);
    assertEquals(1, run("verify-subset", hostClasses.toString()), err::toString);
    List<String> lines = out.toString().lines().toList();
    assertTrue(
        lines.contains(
            "dev.spela.cli.VerifySubsetCommand: CLASS_VERSION: class file version 61 (Java 17);"
                + " device classes must be version 52 (Java 8) or older"),
        out::toString);
    assertTrue(
        lines.stream()
            .anyMatch(
                line ->
                    line.startsWith("dev.spela.cli.VerifySubsetCommand.call()Ljava/lang/Integer; [line ")
                        && line.contains(": INVOKEDYNAMIC: ")),
        out::toString);
    String summary = lines.get(lines.size() - 1);
    assertEquals(
        "%d classes checked, 0 steady-state entry points, %d violations"
            .formatted(countClasses(hostClasses), lines.size() - 1),
        summary);
  }

  @Test
  void jsonPrintsOneObjectPerViolationThenTheSummary() throws Exception {
    Path hostClass =
        classesOf(VerifySubsetCommand.class).resolve("dev/spela/cli/VerifySubsetCommand.class");
    assertEquals(1, run("verify-subset", "--json", hostClass.toString()));
    List<String> lines = out.toString().lines().toList();
    JsonNode first = Json.mapper().readTree(lines.get(0));
    for (String field : List.of("className", "member", "line", "rule", "detail", "chain")) {
      assertTrue(first.has(field), () -> "no " + field + " in " + first);
    }
    JsonNode summary = Json.mapper().readTree(lines.get(lines.size() - 1));
    assertEquals(lines.size() - 1, summary.get("violations").asInt());
    assertEquals(0, summary.get("entryPoints").asInt());
    assertTrue(summary.get("classesChecked").asInt() > 0, summary::toString);
  }

  @Test
  void aSteadyStateViolationEndsWithItsCallChain() throws Exception {
    Path protocols = classesOf(InitPhase.class);
    Path classes = Files.createDirectories(work.resolve("classes/planted"));
    Files.write(classes.resolve("Trainer.class"), plantedTrainer());
    assertEquals(
        1, run("verify-subset", protocols.toString(), work.resolve("classes").toString()), err::toString);
    List<String> lines = out.toString().lines().toList();
    assertEquals(
        List.of(
            "planted.Trainer.step()V: INIT_PHASE: calls @InitPhase method planted.Trainer.grow()V;"
                + " steady-state path: planted.Trainer.train()V -> planted.Trainer.step()V"),
        lines.subList(0, lines.size() - 1));
    assertTrue(lines.get(lines.size() - 1).endsWith(" 1 violation"), out::toString);
  }

  @Test
  void marksFromAModuleWithoutThemAreAUsageError() throws IOException {
    Path other = Files.createDirectories(work.resolve("other"));
    Path protocols;
    try {
      protocols = classesOf(InitPhase.class);
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
    assertEquals(2, run("verify-subset", "--marks", other.toString(), protocols.toString()));
    assertTrue(
        err.toString().contains(other + ": not the project's marks module"), err::toString);
  }

  @Test
  void badPathsAreUsageErrorsWithExitTwo() throws IOException {
    Path missing = work.resolve("missing");
    assertEquals(2, run("verify-subset", missing.toString()));
    assertTrue(err.toString().startsWith("spela: " + missing + ": no such file or directory"), err::toString);
    assertEquals("", out.toString());

    Path text = Files.writeString(work.resolve("notes.txt"), "not a class");
    assertEquals(2, run("verify-subset", text.toString()));
    assertTrue(err.toString().contains(text + ": not a directory, .class file or .jar file"), err::toString);

    assertEquals(2, run("verify-subset"));
  }

  @Test
  void unreadableClassFilesFailWithExitOne() throws IOException {
    Path corrupt = Files.write(work.resolve("Corrupt.class"), new byte[] {1, 2, 3});
    assertEquals(1, run("verify-subset", corrupt.toString()));
    assertTrue(err.toString().startsWith("spela: " + corrupt + ": not a valid class file"), err::toString);
  }

  /**
   * A class whose @SteadyState train() calls, through step(), an allocating @InitPhase grow():
   * written with ASM, without line numbers.
   */
  private static byte[] plantedTrainer() {
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
    writer.visit(Opcodes.V1_8, Opcodes.ACC_PUBLIC, "planted/Trainer", null, "java/lang/Object", null);
    MethodVisitor train = writer.visitMethod(Opcodes.ACC_PUBLIC, "train", "()V", null, null);
    train.visitAnnotation("Ldev/spela/protocols/subset/SteadyState;", false).visitEnd();
    call(train, "step");
    MethodVisitor step = writer.visitMethod(Opcodes.ACC_PRIVATE, "step", "()V", null, null);
    call(step, "grow");
    MethodVisitor grow = writer.visitMethod(Opcodes.ACC_PUBLIC, "grow", "()V", null, null);
    grow.visitAnnotation("Ldev/spela/protocols/subset/InitPhase;", false).visitEnd();
    grow.visitCode();
    grow.visitInsn(Opcodes.ICONST_1);
    grow.visitIntInsn(Opcodes.NEWARRAY, Opcodes.T_INT);
    grow.visitInsn(Opcodes.POP);
    grow.visitInsn(Opcodes.RETURN);
    grow.visitMaxs(0, 0);
    grow.visitEnd();
    writer.visitEnd();
    return writer.toByteArray();
  }

  private static void call(MethodVisitor method, String callee) {
    method.visitCode();
    method.visitVarInsn(Opcodes.ALOAD, 0);
    method.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "planted/Trainer", callee, "()V", false);
    method.visitInsn(Opcodes.RETURN);
    method.visitMaxs(0, 0);
    method.visitEnd();
  }

  private static long countClasses(Path folder) {
    try (var files = Files.walk(folder)) {
      return files.filter(file -> file.toString().endsWith(".class")).count();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
