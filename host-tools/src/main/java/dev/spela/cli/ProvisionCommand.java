package dev.spela.cli;

import dev.spela.fleet.ClaimService;
import dev.spela.fleet.FleetHost;
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
import picocli.CommandLine.ArgGroup;
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
      "The batch's claim secret is read from --claim-secret-file or $" + ProvisionCommand.SECRET_ENVIRONMENT
          + ", never from",
      "the command line. With --secure (PROTOCOL.md 15.2): TLS and the fleet's host",
      "account, per-unit claim keys, replies encrypted to the claimant, claims rate-limited,",
      "each answer a new broker password and device key (see also --expect). Without it:",
      "section 11's claim, answered in clear, identities kept in --registry.",
      "The same claim id always gets the same (random) device id. Runs until Ctrl-C or",
      "until --count claims are answered."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela provision --secure --claim-secret-file b7.secret --expect b7.claims",
      "  spela provision --insecure --claim-secret-file b7.secret --group lab"
    })
public final class ProvisionCommand implements Runnable {

  static final String SECRET_ENVIRONMENT = "SPELA_CLAIM_SECRET";

  @Spec CommandSpec spec;

  @Mixin BrokerOptions broker;

  @Mixin FleetFolderOption fleetFolder;

  @ArgGroup(exclusive = true)
  SecurityMode mode = new SecurityMode();

  @Option(names = "--claim-secret-file", paramLabel = "FILE",
      description = "File holding the batch's claim secret (else $" + SECRET_ENVIRONMENT + ").")
  Path secretFile;

  @Option(names = "--group", defaultValue = "lab", paramLabel = "GROUP", description = "Group of new devices (default: ${DEFAULT-VALUE}).")
  String group;

  @Option(names = "--allow", defaultValue = ".*", paramLabel = "REGEX",
      description = "Claim ids to accept; others are refused (default: all).")
  String allow;

  @Option(names = "--expect", paramLabel = "FILE",
      description = "With --secure: claim ids (one a line) to register as claim accounts, so the broker admits them.")
  Path expected;

  @Option(names = "--registry", defaultValue = "provisioned.properties", paramLabel = "FILE",
      description = {"Without --secure: file of the identities handed out so far", "(default: ${DEFAULT-VALUE})."})
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
    if (expected != null && !mode.secure) {
      throw CliException.usage("--expect needs --secure: plain claims have no claim accounts");
    }
    byte[] secret = readSecret();
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
    try (ClaimService provisioner = mode.secure ? startSecure(secret, allowed, report) : startInsecure(secret, allowed, report)) {
      out.println("answering claims on " + url());
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

  private String url() {
    // The fleet commands' default broker is the plain one; a secure claim goes to the TLS port.
    return mode.secure && broker.url().equals(FleetHost.DEFAULT_BROKER) ? "ssl://127.0.0.1:8883" : broker.url();
  }

  private SecureProvisioner startSecure(byte[] secret, Pattern allowed, Consumer<Provisioned> report)
      throws IOException {
    FleetSecurity fleet = fleetFolder.open();
    if (expected != null) {
      List<String> claimIds = Files.readAllLines(expected).stream().map(String::trim)
          .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
      SecureProvisioner.registerClaims(fleet, secret, claimIds);
      spec.commandLine().getOut().println("registered " + Plural.of(claimIds.size(), "claim account") + " in " + fleet.folder());
    }
    return SecureProvisioner.start(url(), fleet, secret,
        new SecureProvisioner.Options(group, allowed, new ClaimRateLimiter()), report);
  }

  private Provisioner startInsecure(byte[] secret, Pattern allowed, Consumer<Provisioned> report) throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    err.println("spela: warning: plain claims: identities travel in clear and any unit of the batch can claim"
        + " any other's (use --secure)");
    err.flush();
    return Provisioner.start(url(), secret, group, allowed, registry, report);
  }

  /** The claim secret: the file's bytes (a final newline dropped), else the environment's value. */
  private byte[] readSecret() {
    String text;
    if (secretFile != null) {
      try {
        text = Files.readString(secretFile).stripTrailing();
      } catch (IOException e) {
        throw CliException.failure("cannot read the claim secret from " + secretFile + ": " + e.getMessage(), e);
      }
    } else {
      text = System.getenv(SECRET_ENVIRONMENT);
      if (text == null) {
        throw CliException.usage("give the claim secret with --claim-secret-file FILE or $" + SECRET_ENVIRONMENT);
      }
    }
    if (text.length() < 8) {
      throw CliException.usage("the claim secret is too short (at least 8 characters; 16 random bytes are better)");
    }
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
