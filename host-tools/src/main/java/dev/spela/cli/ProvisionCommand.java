package dev.spela.cli;

import dev.spela.fleet.ClaimService;
import dev.spela.fleet.Provisioner;
import dev.spela.fleet.Provisioner.Provisioned;
import dev.spela.fleet.security.ClaimRateLimiter;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.fleet.security.SecureProvisioner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
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
      "The batch's claim secret is read from --claim-secret-file or $" + ClaimSecret.ENVIRONMENT
          + ", never from",
      "the command line. By default (PROTOCOL.md 15.2): TLS and the fleet's host",
      "account, per-unit claim keys, replies encrypted to the claimant, claims rate-limited,",
      "each answer a new broker password and device key (see also --expect). With",
      "--insecure: section 11's claim, answered in clear, identities kept in --registry.",
      "The same claim id always gets the same (random) device id. Runs until Ctrl-C or",
      "until --count claims are answered."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela provision --claim-secret-file b7.secret --expect b7.claims",
      "  spela provision --insecure --claim-secret-file b7.secret --group lab"
    })
public final class ProvisionCommand implements Runnable {

  @Spec CommandSpec spec;

  @Mixin BrokerOptions broker;

  @Option(names = "--claim-secret-file", paramLabel = "FILE",
      description = "File holding the batch's claim secret (else $" + ClaimSecret.ENVIRONMENT + ").")
  Path secretFile;

  @Option(names = "--group", defaultValue = "lab", paramLabel = "GROUP", description = "Group of new devices (default: ${DEFAULT-VALUE}).")
  String group;

  @Option(names = "--allow", defaultValue = ".*", paramLabel = "REGEX",
      description = "Claim ids to accept; others are refused (default: all).")
  String allow;

  @Option(names = "--expect", paramLabel = "FILE",
      description = "Claim ids (one a line) to register as claim accounts, so the broker admits them.")
  Path expected;

  @Option(names = "--registry", defaultValue = "provisioned.properties", paramLabel = "FILE",
      description = {"With --insecure: file of the identities handed out so far", "(default: ${DEFAULT-VALUE})."})
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
    if (expected != null && broker.insecure()) {
      throw CliException.usage("--expect needs TLS and accounts: plain claims have no claim accounts (drop --insecure)");
    }
    broker.checkMode();
    byte[] secret = ClaimSecret.read(secretFile);
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch enough = new CountDownLatch(count > 0 ? count : 1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      while (enough.getCount() > 0) {
        enough.countDown();
      }
    }, "provision-shutdown"));
    Consumer<Provisioned> report = p -> {
      synchronized (out) {
        out.printf("claim %s -> %s/%s%s%n", p.claimId(), p.group(), p.deviceId(), p.newlyAssigned() ? " (new)" : "");
        out.flush();
      }
      if (count > 0) {
        enough.countDown();
      }
    };
    try (ClaimService provisioner = broker.insecure() ? startInsecure(secret, allowed, report) : startSecure(secret, allowed, report)) {
      out.println("answering claims on " + broker.url());
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

  private SecureProvisioner startSecure(byte[] secret, Pattern allowed, Consumer<Provisioned> report)
      throws IOException {
    FleetSecurity fleet = broker.fleet();
    if (expected != null) {
      List<String> claimIds = Files.readAllLines(expected).stream().map(String::trim)
          .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
      SecureProvisioner.registerClaims(fleet, secret, claimIds);
      spec.commandLine().getOut().println("registered " + Plural.of(claimIds.size(), "claim account") + " in " + fleet.folder());
    }
    return SecureProvisioner.start(broker.url(), fleet, secret,
        new SecureProvisioner.Options(group, allowed, new ClaimRateLimiter()), report);
  }

  private Provisioner startInsecure(byte[] secret, Pattern allowed, Consumer<Provisioned> report) throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    BrokerOptions.warnInsecure(err, broker.url());
    err.println("spela: warning: plain claims: identities travel in clear and any unit of the batch can claim"
        + " any other's");
    err.flush();
    return Provisioner.start(broker.url(), secret, group, allowed, registry, report);
  }
}
