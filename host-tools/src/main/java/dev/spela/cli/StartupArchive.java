package dev.spela.cli;

import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Loads the classes that the CLI's start-up loads, then exits: the {@code spela} script runs it once
 * after each build with {@code -XX:ArchiveClassesAtExit} to make the class-data-sharing archive that
 * later runs start from (see docs/results.md, "Start-up").
 */
final class StartupArchive {
  private StartupArchive() {}

  public static void main(String[] args) {
    usage(SpelaCommand.newCommandLine(CommandLine.defaultFactory()));
    SpelaCommand.execute(new StringWriter(), new StringWriter(), "boards");
  }

  private static void usage(CommandLine command) {
    command.getUsageMessage();
    command.getSubcommands().values().forEach(StartupArchive::usage);
  }
}
