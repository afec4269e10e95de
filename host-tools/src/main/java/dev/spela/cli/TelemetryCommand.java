package dev.spela.cli;

import dev.spela.fleet.TelemetryExport;
import dev.spela.fleet.TelemetryReader;
import dev.spela.fleet.TelemetryStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela telemetry export}: the telemetry database as CSV or JSON Lines. */
@Command(
    name = "telemetry",
    mixinStandardHelpOptions = true,
    description = {"Export the telemetry database that spela monitor and spela demo fill."},
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela telemetry export --run runs/lab --format csv -o lab.csv",
      "  spela telemetry export --store jdbc:postgresql://db/spela?user=spela \\",
      "      --format jsonl --evaluations"
    },
    subcommands = {TelemetryCommand.Export.class})
public final class TelemetryCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: export");
  }

  /** {@code spela telemetry export}. */
  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = {
        "Write the stored records (or held-out evaluations) as CSV or JSON Lines.",
        "CSV: one row per record and layer; JSONL: one record per line. Integers as",
        "the devices sent them (accuracy and loss x 2^15, weight norm x 2^16, learning",
        "rate x 2^24), layers numbered from 1, in key order (device, session, record)."
      },
      footerHeading = "%nExamples:%n",
      footer = {
        "  spela telemetry export --run runs/lab --format csv -o lab.csv",
        "  spela telemetry export --run runs/lab --format jsonl --evaluations",
        "  spela telemetry export --store jdbc:sqlite:runs/lab/telemetry.db --format csv"
      })
  static final class Export implements Runnable {

    @Spec CommandSpec spec;

    @Option(names = "--format", required = true, paramLabel = "csv|jsonl",
        description = "csv or jsonl.", converter = FormatConverter.class)
    TelemetryExport.Format format;

    @Option(names = "--run", paramLabel = "DIR", description = "A run folder: its telemetry.db.")
    Path run;

    @Option(names = "--store", paramLabel = "JDBC_URL",
        // Short lines: picocli would wrap a URL at any '.', ':' or '/'.
        description = {
          "The database instead: jdbc:sqlite:FILE or",
          "jdbc:postgresql://HOST/DB?user=U&password=P."
        })
    String store;

    @Option(names = "--evaluations", description = "Export the held-out evaluations instead of the records.")
    boolean evaluations;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE (default: standard output).")
    Path output;

    private long write(TelemetryReader reader, Writer out) throws IOException {
      long count = evaluations ? TelemetryExport.evaluations(reader, format, out)
          : TelemetryExport.records(reader, format, out);
      out.flush();
      return count;
    }

    @Override
    public void run() {
      if ((run == null) == (store == null)) {
        throw CliException.usage("give either --run DIR or --store JDBC-URL");
      }
      if (run != null && !Files.isRegularFile(run.resolve(TelemetryStore.FILE_NAME))) {
        throw CliException.failure("no telemetry database in " + run + " (" + TelemetryStore.FILE_NAME + ")");
      }
      String url = store != null ? store : TelemetryStore.sqliteUrl(run);
      try (TelemetryStore database = TelemetryStore.open(url);
          TelemetryReader reader = database.reader()) {
        if (output == null) {
          write(reader, spec.commandLine().getOut());
          return;
        }
        long count;
        try (Writer out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
          count = write(reader, out);
        }
        PrintWriter err = spec.commandLine().getErr();
        err.printf("%d %s written to %s%n", count, evaluations ? "evaluations" : "records", output);
        err.flush();
      } catch (IllegalArgumentException e) {
        throw CliException.usage(e.getMessage());
      } catch (IOException e) {
        throw CliException.failure(e.getMessage(), e);
      }
    }
  }

  /** csv or jsonl, any case. */
  static final class FormatConverter implements CommandLine.ITypeConverter<TelemetryExport.Format> {
    @Override
    public TelemetryExport.Format convert(String value) {
      try {
        return TelemetryExport.Format.valueOf(value.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException("expected csv or jsonl, got '" + value + "'");
      }
    }
  }
}
