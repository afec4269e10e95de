package dev.spela.subset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The project's own marks, {@code dev.spela.protocols.subset.InitPhase} and {@code SteadyState},
 * recognised only as the marks module (the project's protocols module) defines them: a checked
 * class in their package whose class file differs from the marks module's is a look-alike, and a
 * mark with a look-alike counts nowhere. A mark counts only with class retention (as the project
 * declares it); the same descriptor in runtime-visible annotations comes from a look-alike.
 */
final class Marks {

  static final String PACKAGE = "dev/spela/protocols/subset/";
  static final String INIT_PHASE = PACKAGE + "InitPhase";
  static final String STEADY_STATE = PACKAGE + "SteadyState";

  private final Path module;
  private final Map<String, byte[]> definitions;
  private final Set<String> disabled = new HashSet<>();

  private Marks(Path module, Map<String, byte[]> definitions) {
    this.module = module;
    this.definitions = definitions;
  }

  /**
   * Reads the marks from the project's protocols module: a folder of class files or a jar.
   *
   * @throws IllegalArgumentException if it does not define both marks
   */
  static Marks readFrom(Path module) throws IOException {
    Map<String, byte[]> definitions = new HashMap<>();
    if (Files.isDirectory(module)) {
      Path folder = module.resolve(PACKAGE);
      if (Files.isDirectory(folder)) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.class")) {
          for (Path file : files) {
            String name = file.getFileName().toString();
            definitions.put(
                PACKAGE + name.substring(0, name.length() - 6), Files.readAllBytes(file));
          }
        }
      }
    } else if (Files.isRegularFile(module)) {
      try (ZipFile zip = new ZipFile(module.toFile())) {
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
          ZipEntry entry = e.nextElement();
          String name = entry.getName();
          if (name.startsWith(PACKAGE) && name.endsWith(".class")) {
            try (InputStream in = zip.getInputStream(entry)) {
              definitions.put(name.substring(0, name.length() - 6), in.readAllBytes());
            }
          }
        }
      } catch (ZipException e) {
        throw new IOException(module + ": not a valid jar (" + e.getMessage() + ")", e);
      }
    }
    for (String mark : List.of(INIT_PHASE, STEADY_STATE)) {
      if (!definitions.containsKey(mark)) {
        throw new IllegalArgumentException(
            module
                + ": not the project's marks module (the protocols classes): it does not define "
                + mark.replace('/', '.'));
      }
    }
    return new Marks(module, definitions);
  }

  /**
   * Reports every checked class in the marks' package that is not the marks module's own (by
   * content) and disables the mark it imitates.
   *
   * @param classFile the class file of a checked class in {@link #PACKAGE}
   */
  void checkDefinition(ClassNode node, byte[] classFile, String origin, List<Violation> found) {
    byte[] own = definitions.get(node.name);
    if (own != null && Arrays.equals(own, classFile)) {
      return;
    }
    disabled.add(node.name);
    found.add(
        new Violation(
            node.name.replace('/', '.'),
            "",
            Violation.NO_LINE,
            Rule.MARK,
            origin
                + " is a look-alike: only the marks module "
                + module
                + " defines classes in "
                + PACKAGE.substring(0, PACKAGE.length() - 1).replace('/', '.')
                + " (marks of that name count nowhere in this check)"));
  }

  boolean isInitPhase(MethodNode method) {
    return has(method.invisibleAnnotations, INIT_PHASE);
  }

  boolean isSteadyState(MethodNode method) {
    return has(method.invisibleAnnotations, STEADY_STATE);
  }

  boolean isSteadyState(ClassNode node) {
    return has(node.invisibleAnnotations, STEADY_STATE);
  }

  /** The marks in runtime-visible annotations: their retention shows they are look-alikes. */
  static List<String> visibleLookAlikes(List<AnnotationNode> visible) {
    List<String> found = new ArrayList<>();
    if (visible != null) {
      for (AnnotationNode annotation : visible) {
        for (String mark : List.of(INIT_PHASE, STEADY_STATE)) {
          if (annotation.desc.equals("L" + mark + ";")) {
            found.add(mark.replace('/', '.'));
          }
        }
      }
    }
    return found;
  }

  private boolean has(List<AnnotationNode> annotations, String mark) {
    if (annotations == null || disabled.contains(mark)) {
      return false;
    }
    for (AnnotationNode annotation : annotations) {
      if (annotation.desc.equals("L" + mark + ";")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The program's steady-state entry points: methods marked {@code @SteadyState}, and every public
   * method that a class marked {@code @SteadyState} declares, except constructors, static
   * initialisers and {@code @InitPhase} methods. A method marked with both is reported instead.
   */
  List<Program.Method> entryPoints(Program program, List<Violation> found) {
    List<Program.Method> entries = new ArrayList<>();
    for (ClassNode node : program.classes()) {
      boolean wholeClass = isSteadyState(node);
      for (MethodNode method : node.methods) {
        boolean initPhase = isInitPhase(method);
        if (isSteadyState(method) && initPhase) {
          found.add(
              new Violation(
                  node.name.replace('/', '.'),
                  method.name + method.desc,
                  Violation.NO_LINE,
                  Rule.MARK,
                  "marked both @SteadyState and @InitPhase"));
        } else if (isSteadyState(method)
            || wholeClass
                && (method.access & org.objectweb.asm.Opcodes.ACC_PUBLIC) != 0
                && !method.name.startsWith("<")
                && !initPhase) {
          entries.add(new Program.Method(node, method));
        }
      }
    }
    return entries;
  }
}
