package dev.spela.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tinylog.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
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
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:failure (bad data, failed run)", "2:usage error"},
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela demo --devices 4 --epochs 1",
      "  spela data fetch mnist",
      "  spela train --dataset mnist --layers 784,1000,34",
      "  spela help plan"
    })
public final class SpelaCommand implements Runnable {

  /**
   * The subcommands, in the order help lists them. They are added in {@link #newCommandLine} rather
   * than in the annotation so that a run builds only the models it needs (see {@link
   * #withSubcommands}).
   */
  private static final List<Class<?>> SUBCOMMANDS =
      List.of(
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
          MosquittoConfigCommand.class,
          DeviceCommand.class,
          ProvisionCommand.class,
          DevicesCommand.class,
          FlashCommand.class,
          FleetCommand.class,
          MonitorCommand.class,
          TelemetryCommand.class);

  static {
    // Picocli's default factory otherwise looks for Groovy's Closure class when it starts: a lookup
    // that fails only after opening every one of the 60-odd jars on the class path, on each run.
    System.setProperty("picocli.disable.closures", "true");
  }

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

  /** Runs one command line and returns its exit code. */
  public static int execute(String... args) {
    return newCommandLine(CommandLine.defaultFactory(), args).execute(args);
  }

  /**
   * Runs one command line with commands created by {@code factory} and its output and errors
   * written to {@code out} and {@code err}: how tests drive the CLI.
   */
  public static int execute(CommandLine.IFactory factory, Writer out, Writer err, String... args) {
    CommandLine commandLine = newCommandLine(factory, args);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine.execute(args);
  }

  /** As {@link #execute(CommandLine.IFactory, Writer, Writer, String...)} with the default factory. */
  public static int execute(Writer out, Writer err, String... args) {
    return execute(CommandLine.defaultFactory(), out, err, args);
  }

  /**
   * The whole command line, every subcommand's model built, wired with the project's error
   * handling; commands and mixins are created by {@code factory} (tests use it to hand commands a
   * temporary cache, see {@link DatasetOptions#factory}).
   */
  public static CommandLine newCommandLine(CommandLine.IFactory factory) {
    return newCommandLine(factory, (String[]) null);
  }

  /**
   * As {@link #newCommandLine(CommandLine.IFactory)}, built for running {@code args}: only the
   * subcommands that {@code args} name get their full model (all of them when {@code args} is
   * null).
   */
  static CommandLine newCommandLine(CommandLine.IFactory factory, String... args) {
    verbose = false;
    CommandLine commandLine = withSubcommands(new CommandLine(new SpelaCommand(), factory), factory, args);
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setExecutionStrategy(
        parseResult -> {
          Integer helpExit = CommandLine.executeHelpRequest(parseResult);
          if (helpExit != null) {
            return helpExit; // help and --version log nothing: skip the logger's start-up
          }
          configureLogging();
          return new CommandLine.RunLast().execute(parseResult);
        });
    commandLine.setParameterExceptionHandler(SpelaCommand::onUsageError);
    commandLine.setExecutionExceptionHandler(
        (exception, cmd, parseResult) -> onFailure(exception, cmd));
    return commandLine;
  }

  /**
   * Adds the subcommands. Picocli builds a command's model by reflection when it is added, about 25
   * ms a command, which made every run, even {@code --version}, pay for all of them. So a subcommand
   * that no argument names gets a stand-in with only its name and summary, which is all the root's
   * help shows and all the parser needs to recognise a command name; any argument that names a
   * subcommand ({@code spela train ...}, {@code spela help train}) gets the real one, and so do all
   * when an {@code @FILE} argument hides the arguments from this check.
   */
  private static CommandLine withSubcommands(
      CommandLine root, CommandLine.IFactory factory, String[] args) {
    List<String> named =
        args == null || Arrays.stream(args).anyMatch(arg -> arg.startsWith("@"))
            ? null
            : Arrays.asList(args);
    for (Class<?> type : SUBCOMMANDS) {
      Command command = type.getAnnotation(Command.class);
      if (named == null || named.contains(command.name())) {
        // A CommandLine, not the class: picocli applies model transformers only to the former.
        root.addSubcommand(command.name(), new CommandLine(type, factory));
      } else {
        CommandSpec standIn = CommandSpec.create().name(command.name());
        standIn.usageMessage().header(command.header()).description(command.description());
        root.addSubcommand(command.name(), standIn);
      }
    }
    return root;
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

  /**
   * Paho (both clients) logs through java.util.logging, with stack traces such as SEVERE "Socket
   * closed" when a broker goes away; our own one-line messages say what happened, so Paho is heard
   * only with --verbose. Held here: java.util.logging keeps its loggers only weakly.
   */
  static final Logger PAHO = Logger.getLogger("org.eclipse.paho");

  /** Logs go to stderr; stdout is kept for results (and --json lines). */
  private static void configureLogging() {
    if (!Configuration.isFrozen()) {
      Configuration.set("level", verbose ? "debug" : "info");
    }
    PAHO.setLevel(verbose ? null : Level.OFF);
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
