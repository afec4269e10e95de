package dev.spela.subset;

import java.util.List;

/**
 * The outcome of a check.
 *
 * @param classCount how many class files were checked
 * @param violations every violation found, class by class in input order
 */
public record SubsetReport(int classCount, List<Violation> violations) {

  public SubsetReport {
    violations = List.copyOf(violations);
  }

  public boolean isClean() {
    return violations.isEmpty();
  }

  /** {@code N classes checked, M violations}. */
  public String summary() {
    return plural(classCount, "class", "classes")
        + " checked, "
        + plural(violations.size(), "violation", "violations");
  }

  private static String plural(int count, String one, String many) {
    return count + " " + (count == 1 ? one : many);
  }
}
