package dev.spela.subset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.ClassNode;

/**
 * Checks a device program, given as folders of class files, jars or single class files, against
 * the embedded Java subset (see {@link Rule} and EMBEDDED-JAVA-SUBSET.md): each class on its own,
 * then every path from the program's steady-state entry points. The classes checked are the whole
 * program: whatever they use and do not define must be in the {@link Allowlist}.
 */
public final class SubsetChecker {

  private final Allowlist allowlist;
  private final Path marksModule;

  /**
   * A checker with the project's allowlist.
   *
   * @param marksModule the project's protocols module (a folder of class files or a jar), the only
   *     place whose {@code InitPhase} and {@code SteadyState} marks count
   */
  public SubsetChecker(Path marksModule) {
    this(Allowlist.embeddedJava(), marksModule);
  }

  public SubsetChecker(Allowlist allowlist, Path marksModule) {
    this.allowlist = allowlist;
    this.marksModule = marksModule;
  }

  /**
   * Checks the program made of every class file in the paths: each a directory (searched
   * recursively for {@code .class} files), a {@code .jar} or a {@code .class} file.
   *
   * @throws IllegalArgumentException if a path does not exist, is none of those, or holds no class
   *     file (so a check cannot pass by finding nothing); if two inputs define the same class; or if
   *     the marks module does not define the marks
   * @throws IOException if a file cannot be read or is not a valid class file or jar
   */
  public SubsetReport check(Path... paths) throws IOException {
    Marks marks = Marks.readFrom(marksModule);
    Map<String, ClassNode> classes = new LinkedHashMap<>();
    Map<String, String> origins = new HashMap<>();
    List<Violation> violations = new ArrayList<>();
    for (Path path : paths) {
      List<ClassFiles.ClassFile> files = ClassFiles.read(path);
      if (files.isEmpty()) {
        throw new IllegalArgumentException(path + ": contains no class files");
      }
      for (ClassFiles.ClassFile file : files) {
        ClassNode node = parse(file);
        String earlier = origins.putIfAbsent(node.name, file.origin());
        if (earlier != null) {
          throw new IllegalArgumentException(
              file.origin() + " defines " + node.name.replace('/', '.') + ", as " + earlier + " does");
        }
        classes.put(node.name, node);
        if (node.name.startsWith(Marks.PACKAGE)) {
          marks.checkDefinition(node, file.bytes(), file.origin(), violations);
        }
      }
    }
    Program program = new Program(classes, origins);
    for (ClassNode node : program.classes()) {
      violations.addAll(ClassInspection.inspect(node, program, marks, allowlist));
    }
    List<Program.Method> entries = marks.entryPoints(program, violations);
    SteadyStatePaths steady = new SteadyStatePaths(program, marks);
    Map<Program.Method, List<String>> reached = steady.analyse(entries);
    violations = withChains(violations, reached);
    violations.addAll(steady.violations());
    List<String> entryNames = new ArrayList<>();
    for (Program.Method entry : entries) {
      entryNames.add(entry.display());
    }
    return new SubsetReport(program.size(), entryNames, inClassOrder(violations, program));
  }

  /** Adds its steady-state chain to each allocation in a method that a steady-state path reaches. */
  private static List<Violation> withChains(
      List<Violation> violations, Map<Program.Method, List<String>> reached) {
    Map<String, List<String>> byMember = new HashMap<>();
    reached.forEach(
        (method, chain) ->
            byMember.put(
                method.ownerName().replace('/', '.') + "." + method.name() + method.descriptor(),
                chain));
    List<Violation> result = new ArrayList<>();
    for (Violation v : violations) {
      List<String> chain = byMember.get(v.className() + "." + v.member());
      result.add(
          v.rule() == Rule.ALLOCATION && chain != null
              ? new Violation(v.className(), v.member(), v.line(), v.rule(), v.detail(), chain)
              : v);
    }
    return result;
  }

  /** Class by class in input order, each class's violations in the order found, each once. */
  private static List<Violation> inClassOrder(List<Violation> violations, Program program) {
    Map<String, Integer> order = new HashMap<>();
    for (ClassNode node : program.classes()) {
      order.put(node.name.replace('/', '.'), order.size());
    }
    Set<Violation> unique = new LinkedHashSet<>(violations);
    List<Violation> sorted = new ArrayList<>(unique);
    sorted.sort(Comparator.comparingInt(v -> order.getOrDefault(v.className(), order.size())));
    return sorted;
  }

  private static ClassNode parse(ClassFiles.ClassFile file) throws IOException {
    ClassNode node = new ClassNode();
    try {
      new ClassReader(file.bytes()).accept(node, ClassReader.SKIP_FRAMES);
    } catch (RuntimeException e) {
      // ASM signals malformed or unsupported class files with unchecked exceptions.
      throw new IOException(file.origin() + ": not a valid class file (" + e + ")", e);
    }
    return node;
  }

}
