package dev.spela.subset;

import java.util.List;

/**
 * The outcome of a check.
 *
 * @param classCount how many class files were checked
 * @param entryPoints the program's steady-state entry points, as {@code binary.Class.name(desc)}
 * @param violations every violation found, class by class in input order
 */
public record SubsetReport(int classCount, List<String> entryPoints, List<Violation> violations) {

  public SubsetReport {
    entryPoints = List.copyOf(entryPoints);
    violations = List.copyOf(violations);
  }

  public boolean isClean() {
    return violations.isEmpty();
  }

  /** {@code N classes checked, E steady-state entry points, M violations}. */
  public String summary() {
    return plural(classCount, "class", "classes")
        + " checked, "
        + plural(entryPoints.size(), "steady-state entry point", "steady-state entry points")
        + ", "
        + plural(violations.size(), "violation", "violations");
  }

  private static String plural(int count, String one, String many) {
    return count + " " + (count == 1 ? one : many);
  }
}
