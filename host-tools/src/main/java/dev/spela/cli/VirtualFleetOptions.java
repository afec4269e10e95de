package dev.spela.cli;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.BoardProfile;
import java.util.List;
import java.util.NoSuchElementException;
import picocli.CommandLine.Option;

/**
 * What a fleet of virtual devices learns on, for the commands that run one (demo, fleet
 * simulate): the boards in turn, the training samples and record rhythm, the learning rate.
 */
public final class VirtualFleetOptions {

  @Option(names = "--boards", split = ",", paramLabel = "IDS", hideParamSyntax = true,
      description = "Comma-separated board ids the devices run on, in turn (default: every board of spela"
          + " boards).")
  List<String> boardIds;

  @Option(names = "--max-train", defaultValue = "60000", paramLabel = "N",
      description = "At most N training samples per device (default: its whole shard).")
  int maxTrain;

  @Option(names = "--record-every", defaultValue = "500", paramLabel = "N",
      description = "Training samples per telemetry record (default: ${DEFAULT-VALUE}).")
  int recordEvery;

  @Option(names = "--lr", defaultValue = "0.01", paramLabel = "RATE", description = "Learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  /** The boards named (every board by default); a usage error for an unknown one or a bad number. */
  List<BoardProfile> boards() {
    if (maxTrain < 1 || recordEvery < 1) {
      throw CliException.usage("--max-train and --record-every must be positive");
    }
    if (!(learningRate > 0 && learningRate <= 1)) {
      throw CliException.usage("--lr must be in (0, 1], got " + learningRate);
    }
    try {
      return boardIds == null ? BoardCatalogue.standard().boards()
          : boardIds.stream().map(BoardCatalogue.standard()::byId).toList();
    } catch (NoSuchElementException e) {
      throw CliException.usage(e.getMessage());
    }
  }
}
