package dev.spela.subset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The build's gate for device modules: a module's test calls {@link #assertClassesFollowSubset}
 * on its {@code target/classes}, so {@code mvn verify} fails on any violation. Throws
 * {@link AssertionError}, which every test framework reports as a failure.
 */
public final class SubsetAssertions {

  private SubsetAssertions() {}

  /**
   * Fails, listing every violation, unless the directory holds at least one class file and all of
   * its class files follow the embedded Java subset.
   */
  public static void assertClassesFollowSubset(Path classesDir) {
    Path dir = classesDir.toAbsolutePath();
    if (!Files.isDirectory(dir)) {
      throw new AssertionError(dir + " is not a directory: are the module's classes compiled?");
    }
    SubsetReport report;
    try {
      report = new SubsetChecker().check(dir);
    } catch (IOException | IllegalArgumentException e) {
      throw new AssertionError("cannot check " + dir + ": " + e.getMessage(), e);
    }
    if (!report.isClean()) {
      StringBuilder message =
          new StringBuilder("classes in ").append(dir).append(" break the embedded Java subset:");
      for (Violation violation : report.violations()) {
        message.append(System.lineSeparator()).append("  ").append(violation.format());
      }
      message.append(System.lineSeparator()).append(report.summary());
      throw new AssertionError(message.toString());
    }
  }
}
