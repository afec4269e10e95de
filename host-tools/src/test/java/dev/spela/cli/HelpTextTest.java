package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Every command's {@code --help} as a user reads it in an 80-column terminal. Each test lists every
 * command that breaks its rule, not only the first.
 */
class HelpTextTest {
  private static final int TERMINAL = 80;
  private static final int UNWRAPPED = 2000;

  /** A name in capitals (N, FILE, CLAIM_ID, I/N) or the literal choices (riesz|random). */
  private static final Pattern PLACEHOLDER =
      Pattern.compile("[A-Z][A-Z0-9_]*(/[A-Z]+)?|[a-z0-9-]+(\\|[a-z0-9-]+)+");

  /** Every command and subcommand but picocli's own {@code help}. */
  private static List<CommandLine> commands() {
    List<CommandLine> all = new ArrayList<>();
    collect(SpelaCommand.newCommandLine(CommandLine.defaultFactory()), all);
    return all;
  }

  private static void collect(CommandLine command, List<CommandLine> all) {
    if (!command.getCommandSpec().helpCommand()) {
      all.add(command);
    }
    command.getSubcommands().values().forEach(sub -> collect(sub, all));
  }

  private static String help(CommandLine command, int width) {
    command.getCommandSpec().usageMessage().width(width);
    return command.getUsageMessage(CommandLine.Help.Ansi.OFF);
  }

  private static Map<String, Long> tokens(String text) {
    return Arrays.stream(text.split("\\s+"))
        .filter(token -> !token.isEmpty())
        .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
  }

  private static String name(CommandLine command) {
    return command.getCommandSpec().qualifiedName();
  }

  @Test
  void noTokenIsSplitAcrossLinesAt80Columns() {
    List<String> problems = new ArrayList<>();
    for (CommandLine command : commands()) {
      // The same words wrapped and unwrapped: a token cut in two shows as two new fragments.
      Map<String, Long> whole = tokens(help(command, UNWRAPPED));
      String wrapped = help(command, TERMINAL);
      Map<String, Long> shown = tokens(wrapped);
      List<String> fragments =
          shown.keySet().stream().filter(token -> !whole.containsKey(token)).toList();
      if (!whole.equals(shown)) {
        problems.add(name(command) + " --help splits a token, fragments " + fragments);
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void everyCommandHasExamplesThatFitOnALine() {
    List<String> problems = new ArrayList<>();
    for (CommandLine command : commands()) {
      CommandSpec spec = command.getCommandSpec();
      if (!help(command, TERMINAL).contains("\nExamples:\n  spela ")) {
        problems.add(name(command) + " --help has no examples");
      }
      for (String line : spec.usageMessage().footer()) {
        if (line.length() > TERMINAL) {
          problems.add(name(command) + " example wider than " + TERMINAL + " columns: " + line);
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void everyPlaceholderIsNamedTheSameWay() {
    List<String> problems = new ArrayList<>();
    for (CommandLine command : commands()) {
      CommandSpec spec = command.getCommandSpec();
      Stream.<ArgSpec>concat(spec.options().stream(), spec.positionalParameters().stream())
          .filter(arg -> arg.typeInfo().isMultiValue() || !arg.typeInfo().isBoolean())
          .filter(arg -> !PLACEHOLDER.matcher(arg.paramLabel()).matches())
          .forEach(arg -> problems.add(name(command) + " " + arg + ": '" + arg.paramLabel() + "'"));
    }
    assertEquals(List.of(), problems, "placeholders must be NAMES in capitals or choices like a|b");
  }
}
