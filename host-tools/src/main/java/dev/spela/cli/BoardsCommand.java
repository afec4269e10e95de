package dev.spela.cli;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.BoardProfile;
import dev.spela.boards.BoardProfileException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.NoSuchElementException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela boards}: the boards a model can be planned for. */
@Command(
    name = "boards",
    mixinStandardHelpOptions = true,
    description = {
      "List the boards a model can be planned for.",
      "For each: core, clock, SRAM, flash, and the 16-bit multiply-accumulates per",
      "cycle a dense layer sustains. Each board's profile (boards/BOARDS.md) also",
      "holds the memory its system keeps and the sources of every figure;",
      "'spela plan' uses them.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {"  spela boards", "  spela boards --json    (one JSON object per line)"})
public final class BoardsCommand implements Runnable {

  @Spec CommandSpec spec;

  @Option(names = "--json", description = "One JSON object per board and line.")
  boolean json;

  /** One board in {@code boards --json}. */
  record Entry(
      String id,
      String name,
      String core,
      long clockHz,
      long sramBytes,
      long flashBytes,
      boolean flashExternal,
      double macsPerCycle) {}

  @Override
  public void run() {
    BoardCatalogue catalogue = standardCatalogue();
    PrintWriter out = spec.commandLine().getOut();
    int nameWidth = "NAME".length();
    for (BoardProfile board : catalogue.boards()) {
      nameWidth = Math.max(nameWidth, board.name().length());
    }
    String row = "%-10s %-" + nameWidth + "s  %-15s %4s %7s %14s  %9s%n";
    if (!json) {
      out.printf(Locale.ROOT, row, "BOARD", "NAME", "CORE", "MHZ", "SRAM", "FLASH", "MAC/CYCLE");
    }
    for (BoardProfile board : catalogue.boards()) {
      if (json) {
        out.println(
            Json.line(
                new Entry(
                    board.id(),
                    board.name(),
                    board.core(),
                    board.clockHz(),
                    board.sramBytes(),
                    board.flashBytes(),
                    board.flashExternal(),
                    board.macsPerCycle())));
      } else {
        out.printf(
            Locale.ROOT,
            row,
            board.id(),
            board.name(),
            board.core(),
            board.clockMHz(),
            size(board.sramBytes()),
            (board.flashExternal() ? "external " : "") + size(board.flashBytes()),
            String.format(Locale.ROOT, "%.2f", board.macsPerCycle()));
      }
    }
    out.flush();
  }

  /** The shipped catalogue; a broken shipped profile is a failure (exit 1), not a usage error. */
  static BoardCatalogue standardCatalogue() {
    try {
      return BoardCatalogue.standard();
    } catch (BoardProfileException e) {
      throw CliException.failure("bad board profile: " + e.getMessage(), e);
    }
  }

  /** The shipped board with this id; an unknown id is a usage error listing the known ones. */
  static BoardProfile board(String id) {
    try {
      return standardCatalogue().byId(id);
    } catch (NoSuchElementException e) {
      throw CliException.usage(e.getMessage());
    }
  }

  /** A memory size in the unit datasheets use: whole MB, else whole KB, else bytes. */
  static String size(long bytes) {
    if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + " MB";
    }
    return bytes % 1024 == 0 ? (bytes >> 10) + " KB" : bytes + " B";
  }
}
