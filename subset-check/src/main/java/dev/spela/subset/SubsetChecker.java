package dev.spela.subset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.ClassNode;

/**
 * Checks class files against the embedded Java subset that device-side code must follow (see
 * {@link Rule}): folders of class files, jars, or single class files.
 */
public final class SubsetChecker {

  private final Allowlist allowlist;

  /** A checker with the project's allowlist. */
  public SubsetChecker() {
    this(Allowlist.embeddedJava());
  }

  public SubsetChecker(Allowlist allowlist) {
    this.allowlist = allowlist;
  }

  /**
   * Checks every class file in the paths: each a directory (searched recursively for
   * {@code .class} files), a {@code .jar} or a {@code .class} file.
   *
   * @throws IllegalArgumentException if a path does not exist, is none of those, or holds no class
   *     file (so a check cannot pass by finding nothing)
   * @throws IOException if a file cannot be read or is not a valid class file or jar
   */
  public SubsetReport check(Path... paths) throws IOException {
    List<Violation> violations = new ArrayList<>();
    int classCount = 0;
    for (Path path : paths) {
      int before = classCount;
      if (Files.isDirectory(path)) {
        classCount += checkDirectory(path, violations);
      } else if (Files.isRegularFile(path) && hasExtension(path, ".class")) {
        violations.addAll(inspect(Files.readAllBytes(path), path.toString()));
        classCount++;
      } else if (Files.isRegularFile(path) && hasExtension(path, ".jar")) {
        classCount += checkJar(path, violations);
      } else if (Files.exists(path)) {
        throw new IllegalArgumentException(path + ": not a directory, .class file or .jar file");
      } else {
        throw new IllegalArgumentException(path + ": no such file or directory");
      }
      if (classCount == before) {
        throw new IllegalArgumentException(path + ": contains no class files");
      }
    }
    return new SubsetReport(classCount, violations);
  }

  private int checkDirectory(Path directory, List<Violation> violations) throws IOException {
    List<Path> classFiles;
    try (Stream<Path> files = Files.walk(directory)) {
      classFiles =
          files
              .filter(file -> Files.isRegularFile(file) && hasExtension(file, ".class"))
              .sorted()
              .toList();
    }
    for (Path file : classFiles) {
      violations.addAll(inspect(Files.readAllBytes(file), file.toString()));
    }
    return classFiles.size();
  }

  private int checkJar(Path jar, List<Violation> violations) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      List<? extends ZipEntry> entries =
          zip.stream()
              .filter(entry -> !entry.isDirectory() && entry.getName().endsWith(".class"))
              .sorted(Comparator.comparing(ZipEntry::getName))
              .toList();
      for (ZipEntry entry : entries) {
        try (InputStream in = zip.getInputStream(entry)) {
          violations.addAll(inspect(in.readAllBytes(), jar + "!/" + entry.getName()));
        }
      }
      return entries.size();
    } catch (ZipException e) {
      throw new IOException(jar + ": not a valid jar (" + e.getMessage() + ")", e);
    }
  }

  private List<Violation> inspect(byte[] classFile, String source) throws IOException {
    ClassNode node = new ClassNode();
    try {
      new ClassReader(classFile).accept(node, ClassReader.SKIP_FRAMES);
    } catch (RuntimeException e) {
      // ASM signals malformed or unsupported class files with unchecked exceptions.
      throw new IOException(source + ": not a valid class file (" + e + ")", e);
    }
    return ClassInspection.inspect(node, allowlist);
  }

  private static boolean hasExtension(Path file, String extension) {
    return file.getFileName().toString().endsWith(extension);
  }
}
