package dev.spela.cli;

import dev.spela.fleet.Provisioner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spela provision}: give devices that claim with the batch secret their identities. */
@Command(
    name = "provision",
    mixinStandardHelpOptions = true,
    description = {
      "Give devices that claim with the batch secret their identities.",
      "A claim must carry an HMAC-SHA256 made with the claim secret; the answer",
      "is a device id and group, the same each time the same claim id asks",
      "(kept in --registry). Runs until Ctrl-C or until --count claims."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela provision --claim-secret s3cret",
      "  spela provision --claim-secret s3cret --group field --allow 'lab-.*' --count 8"
    })
public final class ProvisionCommand implements Runnable {

  @Spec CommandSpec spec;

  @Mixin BrokerOptions broker;

  @Option(names = "--claim-secret", required = true, paramLabel = "SECRET", description = "The batch's claim secret.")
  String secret;

  @Option(names = "--group", defaultValue = "lab", paramLabel = "GROUP", description = "Group of new devices (default: ${DEFAULT-VALUE}).")
  String group;

  @Option(names = "--allow", defaultValue = ".*", paramLabel = "REGEX",
      description = "Claim ids to accept; others are refused (default: all).")
  String allow;

  @Option(names = "--registry", defaultValue = "provisioned.properties", paramLabel = "FILE",
      description = {"File of the identities handed out so far", "(default: ${DEFAULT-VALUE})."})
  Path registry;

  @Option(names = "--count", defaultValue = "0", paramLabel = "N", description = "Stop after N answered claims (default: 0, never).")
  int count;

  @Override
  public void run() {
    Pattern allowed;
    try {
      allowed = Pattern.compile(allow);
    } catch (PatternSyntaxException e) {
      throw CliException.usage("--allow is not a valid regular expression: " + e.getDescription());
    }
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch enough = new CountDownLatch(count > 0 ? count : 1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      while (enough.getCount() > 0) {
        enough.countDown();
      }
    }, "provision-shutdown"));
    try (Provisioner provisioner = Provisioner.start(broker.url(), secret.getBytes(StandardCharsets.UTF_8), group,
        allowed, registry, p -> {
          synchronized (out) {
            out.printf("claim %s -> %s/%s%s%n", p.claimId(), p.group(), p.deviceId(), p.newlyAssigned() ? " (new)" : "");
            out.flush();
          }
          if (count > 0) {
            enough.countDown();
          }
        })) {
      out.println("answering claims on " + broker.url() + " (registry " + registry + ")");
      out.flush();
      enough.await(); // closing disconnects politely: the last reply's delivery completes first
      out.println(Plural.of(provisioner.answered(), "claim") + " answered");
    } catch (IOException e) {
      throw CliException.failure(e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
