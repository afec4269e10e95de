package dev.spela.cli;

import java.io.PrintWriter;
import java.io.Writer;
import org.tinylog.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code spela} command: the entry point of the host toolchain. */
@Command(
    name = "spela",
    mixinStandardHelpOptions = true,
    versionProvider = SpelaCommand.Version.class,
    description = {
      "SPELA Edge: on-device learning with a single forward pass.",
      "Datasets, class-vector priors, training, model images and device fleets."
    },
    subcommands = {
      CommandLine.HelpCommand.class,
      DataCommand.class,
      PriorsCommand.class,
      TrainCommand.class,
      CompileCommand.class,
      InspectCommand.class,
      BenchCommand.class,
      BoardsCommand.class,
      PlanCommand.class,
      FirmwareCommand.class,
      VerifySubsetCommand.class,
      DemoCommand.class,
      BrokerCommand.class,
      DeviceCommand.class,
      ProvisionCommand.class,
      DevicesCommand.class,
      FlashCommand.class,
      FleetCommand.class,
      MonitorCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:failure (bad data, failed run)", "2:usage error"})
public final class SpelaCommand implements Runnable {

  /** Exit codes shared by every command. */
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;

  private static boolean verbose;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Log debug detail and print stack traces on errors.")
  void setVerbose(boolean value) {
    verbose = value;
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs one command line and returns its exit code; the tests call this directly. */
  public static int execute(String... args) {
    return newCommandLine().execute(args);
  }

  /**
   * Runs one command line with commands created by {@code factory} and its output and errors
   * written to {@code out} and {@code err}: how tests drive the CLI.
   */
  public static int execute(CommandLine.IFactory factory, Writer out, Writer err, String... args) {
    CommandLine commandLine = newCommandLine(factory);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine.execute(args);
  }

  /** As {@link #execute(CommandLine.IFactory, Writer, Writer, String...)} with the default factory. */
  public static int execute(Writer out, Writer err, String... args) {
    return execute(CommandLine.defaultFactory(), out, err, args);
  }

  /** A command line wired with the project's error handling, for main and for tests. */
  public static CommandLine newCommandLine() {
    return newCommandLine(CommandLine.defaultFactory());
  }

  /**
   * As {@link #newCommandLine()}, with commands and mixins created by {@code factory}: tests use it
   * to hand commands a temporary cache (see {@link DatasetOptions#factory}).
   */
  public static CommandLine newCommandLine(CommandLine.IFactory factory) {
    verbose = false;
    CommandLine commandLine = new CommandLine(new SpelaCommand(), factory);
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setExecutionStrategy(
        parseResult -> {
          configureLogging();
          return new CommandLine.RunLast().execute(parseResult);
        });
    commandLine.setParameterExceptionHandler(SpelaCommand::onUsageError);
    commandLine.setExecutionExceptionHandler(
        (exception, cmd, parseResult) -> onFailure(exception, cmd));
    return commandLine;
  }

  private static int onUsageError(CommandLine.ParameterException error, String[] args) {
    CommandLine cmd = error.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("spela: " + error.getMessage());
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
    if (verbose) {
      error.printStackTrace(err);
    }
    err.flush();
    return EXIT_USAGE;
  }

  private static int onFailure(Exception exception, CommandLine cmd) {
    PrintWriter err = cmd.getErr();
    if (exception instanceof CliException cliException) {
      err.println("spela: " + cliException.getMessage());
      if (cliException.exitCode() == EXIT_USAGE) {
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
      }
    } else {
      err.println("spela: " + describe(exception) + " (run with --verbose for details)");
    }
    if (verbose) {
      exception.printStackTrace(err);
    }
    err.flush();
    return exception instanceof CliException cliException ? cliException.exitCode() : EXIT_FAILURE;
  }

  private static String describe(Throwable exception) {
    String message = exception.getMessage();
    return message == null || message.isBlank()
        ? "internal error: " + exception.getClass().getSimpleName()
        : message;
  }

  /** Logs go to stderr; stdout is kept for results (and --json lines). */
  private static void configureLogging() {
    if (!Configuration.isFrozen()) {
      Configuration.set("level", verbose ? "debug" : "info");
    }
  }

  /** Whether --verbose was given on this command line. */
  public static boolean verbose() {
    return verbose;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = SpelaCommand.class.getPackage().getImplementationVersion();
      return new String[] {"spela " + (version == null ? "(development build)" : version)};
    }
  }
}
