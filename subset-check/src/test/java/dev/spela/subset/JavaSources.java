package dev.spela.subset;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/** Compiles Java sources at test time, the way Maven compiles the device modules. */
final class JavaSources {

  /**
   * The marks as protocols declares them, compiled from source because subset-check cannot depend
   * on protocols (protocols depends on it for its build gate).
   */
  static final String INIT_PHASE =
      """
      package dev.spela.protocols.subset;

      import java.lang.annotation.ElementType;
      import java.lang.annotation.Retention;
      import java.lang.annotation.RetentionPolicy;
      import java.lang.annotation.Target;

      @Retention(RetentionPolicy.CLASS)
      @Target(ElementType.METHOD)
      public @interface InitPhase {}
      """;

  static final String STEADY_STATE =
      """
      package dev.spela.protocols.subset;

      import java.lang.annotation.ElementType;
      import java.lang.annotation.Retention;
      import java.lang.annotation.RetentionPolicy;
      import java.lang.annotation.Target;

      @Retention(RetentionPolicy.CLASS)
      @Target({ElementType.TYPE, ElementType.METHOD})
      public @interface SteadyState {}
      """;

  private JavaSources() {}

  /** Compiles both marks into {@code out}: a stand-in for the project's marks module. */
  static Path compileMarks(Path out) throws IOException {
    compile(
        out,
        8,
        Map.of(
            "dev.spela.protocols.subset.InitPhase", INIT_PHASE,
            "dev.spela.protocols.subset.SteadyState", STEADY_STATE));
    return out;
  }

  /**
   * Compiles the sources (binary class name to source text) with {@code --release} and debug
   * information into {@code out}, against the class path, failing the test with the compiler's
   * messages if they do not compile.
   */
  static void compile(Path out, int release, Map<String, String> sources, Path... classPath)
      throws IOException {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    assertNotNull(compiler, "tests need a JDK, not a JRE");
    Files.createDirectories(out);
    Path sourceRoot = Files.createTempDirectory(out.getParent(), "src");
    List<Path> files = new ArrayList<>();
    for (Map.Entry<String, String> source : sources.entrySet()) {
      Path file = sourceRoot.resolve(source.getKey().replace('.', '/') + ".java");
      Files.createDirectories(file.getParent());
      Files.writeString(file, source.getValue());
      files.add(file);
    }
    List<String> options = new ArrayList<>(
        List.of("--release", Integer.toString(release), "-g", "-proc:none", "-d", out.toString()));
    if (classPath.length > 0) {
      options.add("-classpath");
      options.add(
          String.join(
              java.io.File.pathSeparator,
              java.util.Arrays.stream(classPath).map(Path::toString).toList()));
    }
    StringWriter messages = new StringWriter();
    try (StandardJavaFileManager fileManager = compiler.getStandardFileManager(null, null, null)) {
      boolean compiled =
          compiler
              .getTask(
                  messages, fileManager, null, options, null,
                  fileManager.getJavaFileObjectsFromPaths(files))
              .call();
      assertTrue(compiled, () -> "test sources do not compile:\n" + messages);
    }
  }

  /** Writes every class file under {@code classes} into a jar, in name order. */
  static Path jar(Path classes, Path jar) throws IOException {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(file));
        out.closeEntry();
      }
    }
    return jar;
  }

  /** The 1-based line of the first line of {@code source} containing {@code marker}. */
  static int lineOf(String source, String marker) {
    String[] lines = source.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains(marker)) {
        return i + 1;
      }
    }
    throw new IllegalArgumentException("no line contains " + marker);
  }
}
