package dev.spela.cli;

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

/** {@code spela verify-subset}: checks class files against the embedded Java subset. */
@Command(
    name = "verify-subset",
    mixinStandardHelpOptions = true,
    description = {
      "Check that class files stay inside the embedded Java subset.",
      "Device code (protocols, device-runtime) must follow it to run on CLDC 8 /",
      "MicroEJ VMs; every violation is listed.",
      "",
      "Rules:",
      "  JDK_API         a java.*, javax.*, sun.* or jdk.* type or member missing from",
      "                  the allowlist (subset-check's embedded-java-allowlist.txt)",
      "  FLOATING_POINT  any float or double: opcodes, constants, fields, locals,",
      "                  descriptors, java.lang.Float and java.lang.Double",
      "  INVOKEDYNAMIC   invokedynamic (lambdas, Java 9+ string concatenation), and",
      "                  method handle, method type and dynamic constants",
      "  ALLOCATION      new objects or arrays, `throw new ...` included, outside",
      "                  constructors, static initialisers and @InitPhase methods",
      "  CLASS_VERSION   class files newer than Java 8 (major version above 52)",
      "",
      "Prints one line per violation, `Class.member [line N]: RULE: detail`, then",
      "`N classes checked, M violations`.",
      "",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every class follows the subset",
      "1:violations found, or a class file or jar could not be read",
      "2:usage error: a PATH does not exist, is not a folder, .class or .jar, or holds no class"
          + " files"
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela verify-subset protocols/target/classes device-runtime/target/classes",
      "  spela verify-subset --json build/device.jar"
    })
public final class VerifySubsetCommand implements Callable<Integer> {

  @Parameters(
      arity = "1..*",
      paramLabel = "PATH",
      description = "Folders of class files (searched recursively), jars or single .class files.")
  private List<Path> paths;

  @Option(
      names = "--json",
      description =
          "Print one JSON object a line: each violation (className, member, line, rule, detail;"
              + " line 0 when unknown), then {\"classesChecked\":N,\"violations\":M}.")
  private boolean json;

  @Spec private CommandSpec spec;

  /** The --json summary line. */
  private record Summary(int classesChecked, int violations) {}

  @Override
  public Integer call() {
    SubsetReport report;
    try {
      report = new SubsetChecker().check(paths.toArray(Path[]::new));
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
            ? Json.line(new Summary(report.classCount(), report.violations().size()))
            : report.summary());
    out.flush();
    return report.isClean() ? SpelaCommand.EXIT_OK : SpelaCommand.EXIT_FAILURE;
  }
}
