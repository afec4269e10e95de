package dev.spela.subset;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;

/** Looks up violations in a check's report, for the checker's tests. */
final class Reports {

  private Reports() {}

  static List<Violation> violationsIn(SubsetReport report, String className) {
    return report.violations().stream().filter(v -> v.className().equals(className)).toList();
  }

  /** Fails, listing the class's violations, unless one matches (whatever its call chain). */
  static void assertReported(
      SubsetReport report, String className, String member, int line, Rule rule, String detail) {
    List<Violation> found = violationsIn(report, className);
    assertTrue(
        found.stream()
            .anyMatch(
                v ->
                    v.member().equals(member)
                        && v.line() == line
                        && v.rule() == rule
                        && v.detail().equals(detail)),
        () ->
            "missing "
                + new Violation(className, member, line, rule, detail).format()
                + " among:\n"
                + found.stream().map(Violation::format).collect(Collectors.joining("\n")));
  }
}
