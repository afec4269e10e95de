package dev.spela.subset;

import java.util.List;

/**
 * One place where a class breaks the embedded Java subset.
 *
 * @param className the class, as a Java binary name ({@code dev.spela.runtime.Dense$Layer})
 * @param member where in the class: a method as name and descriptor ({@code step([I)I}), a field
 *     as {@code name:descriptor} ({@code weights:[F}), or empty for the class itself (its version,
 *     superclass or interfaces)
 * @param line the source line, or {@link #NO_LINE} when the class has no line numbers there
 * @param rule the rule broken
 * @param detail what was found, naming JDK references by their internal names as the allowlist
 *     spells them
 * @param chain for a place on a steady-state path, the calls that reach it: the entry point first,
 *     each method as {@code binary.Class.name(desc)} followed by {@code [line N]} of its call to
 *     the next, the method holding the violation last; empty otherwise
 */
public record Violation(
    String className, String member, int line, Rule rule, String detail, List<String> chain) {

  /** The line of a violation without line-number information (fields, the class itself). */
  public static final int NO_LINE = 0;

  public Violation {
    chain = List.copyOf(chain);
  }

  /** A violation that no steady-state path reaches. */
  public Violation(String className, String member, int line, Rule rule, String detail) {
    this(className, member, line, rule, detail, List.of());
  }

  /**
   * One line: {@code Class.member [line N]: RULE: detail}, then {@code ; steady-state path: A ->
   * B -> C} for a place on a steady-state path.
   */
  public String format() {
    StringBuilder text = new StringBuilder(className);
    if (!member.isEmpty()) {
      text.append('.').append(member);
    }
    if (line != NO_LINE) {
      text.append(" [line ").append(line).append(']');
    }
    text.append(": ").append(rule).append(": ").append(detail);
    if (!chain.isEmpty()) {
      text.append("; steady-state path: ").append(String.join(" -> ", chain));
    }
    return text.toString();
  }
}
