package dev.spela.subset;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * The build's gate for device modules: a module's test calls {@link #assertProgramFollowsSubset}
 * on its {@code target/classes} and the device modules it depends on, so {@code mvn verify} fails
 * on any violation. Throws {@link AssertionError}, which every test framework reports as a failure.
 */
public final class SubsetAssertions {

  private SubsetAssertions() {}

  /**
   * Fails, listing every violation, unless each path holds class files and the program they make
   * together follows the embedded Java subset.
   *
   * @param marksModule the project's protocols module, whose marks alone count
   * @param program folders of class files or jars: the whole device program
   * @return the report, so that the caller can check the entry points it expects are declared
   */
  public static SubsetReport assertProgramFollowsSubset(Path marksModule, Path... program) {
    for (Path path : program) {
      if (!Files.exists(path)) {
        throw new AssertionError(path.toAbsolutePath() + " does not exist: are the classes compiled?");
      }
    }
    SubsetReport report;
    try {
      report = new SubsetChecker(marksModule).check(program);
    } catch (IOException | IllegalArgumentException e) {
      throw new AssertionError("cannot check the device program: " + e.getMessage(), e);
    }
    if (!report.isClean()) {
      StringBuilder message =
          new StringBuilder("the device program breaks the embedded Java subset:");
      for (Violation violation : report.violations()) {
        message.append(System.lineSeparator()).append("  ").append(violation.format());
      }
      message.append(System.lineSeparator()).append(report.summary());
      throw new AssertionError(message.toString());
    }
    return report;
  }

  /** The folder of class files or the jar a class was loaded from. */
  public static Path locationOf(Class<?> type) {
    CodeSource source = type.getProtectionDomain().getCodeSource();
    if (source == null) {
      throw new IllegalArgumentException(type + " has no code source (a JDK class?)");
    }
    try {
      return Path.of(source.getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("cannot locate " + type + ": " + e.getMessage(), e);
    }
  }
}
