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

/** Reads the class files of a folder (recursively), a jar or a single class file. */
final class ClassFiles {

  /**
   * A class file's bytes, where it came from (a path, or {@code jar!/entry}) and its path inside
   * its folder or jar ({@code dev/spela/Example.class}; the file name for a single file).
   */
  record ClassFile(byte[] bytes, String origin, String entry) {

    /** The binary name its path implies ({@code dev.spela.Example}). */
    String binaryName() {
      return entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
    }
  }

  private ClassFiles() {}

  /**
   * Every class file in the path, in name order ({@code module-info.class} left out).
   *
   * @throws IllegalArgumentException if the path does not exist or is none of those
   */
  static List<ClassFile> read(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      List<Path> classFiles;
      try (Stream<Path> files = Files.walk(path)) {
        classFiles = files.filter(file -> Files.isRegularFile(file) && isClass(file)).sorted().toList();
      }
      List<ClassFile> found = new ArrayList<>();
      for (Path file : classFiles) {
        String entry = path.relativize(file).toString().replace('\\', '/');
        found.add(new ClassFile(Files.readAllBytes(file), file.toString(), entry));
      }
      return found;
    } else if (Files.isRegularFile(path) && isClass(path)) {
      return List.of(
          new ClassFile(Files.readAllBytes(path), path.toString(), path.getFileName().toString()));
    } else if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".jar")) {
      return readJar(path);
    } else if (Files.exists(path)) {
      throw new IllegalArgumentException(path + ": not a directory, .class file or .jar file");
    } else {
      throw new IllegalArgumentException(path + ": no such file or directory");
    }
  }

  private static List<ClassFile> readJar(Path jar) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      List<? extends ZipEntry> entries =
          zip.stream()
              .filter(entry -> !entry.isDirectory() && entry.getName().endsWith(".class"))
              .filter(entry -> !entry.getName().endsWith("module-info.class"))
              .sorted(Comparator.comparing(ZipEntry::getName))
              .toList();
      List<ClassFile> found = new ArrayList<>();
      for (ZipEntry entry : entries) {
        try (InputStream in = zip.getInputStream(entry)) {
          found.add(new ClassFile(in.readAllBytes(), jar + "!/" + entry.getName(), entry.getName()));
        }
      }
      return found;
    } catch (ZipException e) {
      throw new IOException(jar + ": not a valid jar (" + e.getMessage() + ")", e);
    }
  }

  private static boolean isClass(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".class") && !name.equals("module-info.class");
  }
}
