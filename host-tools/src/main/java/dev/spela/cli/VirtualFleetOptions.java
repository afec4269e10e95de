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

  /** The devices' rate when --lr is not given and nothing else is said. */
  static final double DEFAULT_RATE = 0.01;

  @Option(names = "--lr", paramLabel = "RATE",
      description = "The devices' learning rate (default: " + DEFAULT_RATE + "; spela demo's pre-trained models: 0.001).")
  Double learningRate;

  /** --lr, or {@link #DEFAULT_RATE}; a usage error outside (0, 1]. */
  double learningRate() {
    return learningRate(DEFAULT_RATE);
  }

  /** --lr, or {@code otherwise} when it is not given; a usage error outside (0, 1]. */
  double learningRate(double otherwise) {
    double rate = learningRate != null ? learningRate : otherwise;
    if (!(rate > 0 && rate <= 1)) {
      throw CliException.usage("--lr must be in (0, 1], got " + rate);
    }
    return rate;
  }

  /** The boards named (every board by default); a usage error for an unknown one or a bad number. */
  List<BoardProfile> boards() {
    if (maxTrain < 1 || recordEvery < 1) {
      throw CliException.usage("--max-train and --record-every must be positive");
    }
    learningRate(DEFAULT_RATE);
    try {
      return boardIds == null ? BoardCatalogue.standard().boards()
          : boardIds.stream().map(BoardCatalogue.standard()::byId).toList();
    } catch (NoSuchElementException e) {
      throw CliException.usage(e.getMessage());
    }
  }
}
