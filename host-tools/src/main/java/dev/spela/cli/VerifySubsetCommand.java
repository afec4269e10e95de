package dev.spela.cli;

import dev.spela.protocols.subset.InitPhase;
import dev.spela.subset.SubsetAssertions;
import dev.spela.subset.SubsetChecker;
import dev.spela.subset.SubsetReport;
import dev.spela.subset.Violation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spela verify-subset}: checks a device program against the embedded Java subset. */
@Command(
    name = "verify-subset",
    mixinStandardHelpOptions = true,
    description = {
      "Check that a device program stays inside the embedded Java subset.",
      "Device code (protocols, device-runtime) must follow it to run on CLDC 8 /",
      "MicroEJ VMs and TeaVM firmware. The PATHs together are the whole program: each",
      "class is checked, then every call path from the @SteadyState entry points.",
      "Every violation is listed; those on a steady-state path end with the call chain.",
      "",
      "Rules:",
      "  JDK_API         a type or member the PATHs use but do not define, missing from",
      "                  the allowlist (subset-check's embedded-java-allowlist.txt)",
      "  FLOATING_POINT  any float or double: opcodes, constants, fields, locals,",
      "                  descriptors, java.lang.Float and java.lang.Double",
      "  INVOKEDYNAMIC   invokedynamic (lambdas, Java 9+ string concatenation), and",
      "                  method handle, method type and dynamic constants",
      "  ALLOCATION      new objects or arrays, `throw new ...` included, outside",
      "                  constructors, static initialisers and @InitPhase methods;",
      "                  on a steady-state path, any allocation or string constant",
      "  CLASS_VERSION   class files newer than Java 8 (major version above 52)",
      "  INIT_PHASE      a steady-state path calls an @InitPhase method",
      "  CLASS_INIT      a steady-state path initialises a class whose static",
      "                  initialiser allocates and which is not forced at initialisation",
      "  EXCEPTION       on a steady-state path: division by a divisor not shown",
      "                  non-zero, a cast, a store into an Object array, a throw",
      "  MARK            a look-alike of the InitPhase or SteadyState mark",
      "",
      "Prints one line per violation, `Class.member [line N]: RULE: detail`, then",
      "`N classes checked, E steady-state entry points, M violations`.",
      "",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every class follows the subset",
      "1:violations found, or a class file or jar could not be read",
      "2:usage error: a PATH does not exist, is not a folder, .class or .jar, or holds no class"
          + " files; two PATHs define the same class; --marks does not define the marks"
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela verify-subset protocols/target/classes device-runtime/target/classes",
      "  spela verify-subset --json --marks protocols/target/classes build/device.jar"
    })
public final class VerifySubsetCommand implements Callable<Integer> {

  @Parameters(
      arity = "1..*",
      paramLabel = "PATH",
      description = "Folders of class files (searched recursively), jars or single .class files.")
  private List<Path> paths;

  @Option(
      names = "--marks",
      paramLabel = "PATH",
      description =
          "The project's protocols module (folder or jar): only its @InitPhase and @SteadyState"
              + " count (default: the protocols module this spela runs with).")
  private Path marks;

  @Option(
      names = "--json",
      description =
          "Print one JSON object a line: each violation (className, member, line, rule, detail,"
              + " chain; line 0 when unknown, chain empty off steady-state paths), then"
              + " {\"classesChecked\":N,\"entryPoints\":E,\"violations\":M}.")
  private boolean json;

  @Spec private CommandSpec spec;

  /** The --json summary line. */
  private record Summary(int classesChecked, int entryPoints, int violations) {}

  @Override
  public Integer call() {
    Path marksModule = marks != null ? marks : SubsetAssertions.locationOf(InitPhase.class);
    SubsetReport report;
    try {
      report = new SubsetChecker(marksModule).check(paths.toArray(Path[]::new));
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    } catch (IOException e) {
      throw CliException.failure(e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    for (Violation violation : report.violations()) {
      out.println(json ? Json.line(violation) : violation.format());
    }
    out.println(
        json
            ? Json.line(
                new Summary(
                    report.classCount(),
                    report.entryPoints().size(),
                    report.violations().size()))
            : report.summary());
    out.flush();
    return report.isClean() ? SpelaCommand.EXIT_OK : SpelaCommand.EXIT_FAILURE;
  }
}
