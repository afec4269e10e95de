package dev.spela.subset;

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
 */
public record Violation(String className, String member, int line, Rule rule, String detail) {

  /** The line of a violation without line-number information (fields, the class itself). */
  public static final int NO_LINE = 0;

  /** One line: {@code Class.member [line N]: RULE: detail}. */
  public String format() {
    StringBuilder text = new StringBuilder(className);
    if (!member.isEmpty()) {
      text.append('.').append(member);
    }
    if (line != NO_LINE) {
      text.append(" [line ").append(line).append(']');
    }
    return text.append(": ").append(rule).append(": ").append(detail).toString();
  }
}
