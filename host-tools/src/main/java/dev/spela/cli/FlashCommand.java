package dev.spela.cli;

import dev.spela.fleet.FleetHost;
import dev.spela.fleet.ImageTransfer;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.runtime.RuntimeStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spela flash}: send a model image to a device over the air and report its verdict. */
@Command(
    name = "flash",
    mixinStandardHelpOptions = true,
    description = {
      "Send a model image to a device over the air and report its verdict.",
      "The device pulls the image block by block into its inactive flash slot,",
      "checks each block's CRC-32, the image's SHA-256 and its signature, boots it",
      "on trial and confirms it or rolls back. A transfer cut by a disconnection",
      "resumes where it stopped. Exit 0 if the device confirmed the image, 1 otherwise.",
      "",
      "In a secured fleet devices take only images signed with the fleet's key and",
      "never one whose security counter is below the highest they confirmed: flash",
      "signs what it sends (with --security-counter, else 0 for an unsigned image;",
      "an image signed already is sent as it is). Raise the counter to stop devices",
      "from ever going back to older images."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela compile --layers 784,128,34 -o model.img",
      "  spela flash --device vd-1 model.img",
      "  spela flash --device vd-1 model.img --security-counter 3",
      "  spela flash --device vd-1 model.img --block-log2 10 --timeout 600"
    })
public final class FlashCommand implements Runnable {

  @Spec CommandSpec spec;

  @Mixin BrokerOptions broker;

  @Option(names = "--device", required = true, paramLabel = "ID", description = "The device.")
  String device;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "Model image file (spela compile).")
  Path imageFile;

  @Option(names = "--block-log2", defaultValue = "12", paramLabel = "B",
      description = "Blocks of 2^B bytes, 10..12, at most what the device takes (default: ${DEFAULT-VALUE}).")
  int blockLog2;

  @Option(names = "--security-counter", paramLabel = "N",
      description = "Sign the image with security counter N (0 to 2^32 - 1; default: 0 for an unsigned image).")
  Long securityCounter;

  @Option(names = "--timeout", defaultValue = "300", paramLabel = "S",
      description = "Give up after S seconds (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public void run() {
    if (blockLog2 < 10 || blockLog2 > 12) {
      throw CliException.usage("--block-log2 must be 10, 11 or 12, got " + blockLog2);
    }
    if (securityCounter != null && (securityCounter < 0 || securityCounter > 0xFFFFFFFFL)) {
      throw CliException.usage("--security-counter must be 0..4294967295, got " + securityCounter);
    }
    byte[] image = ImageArguments.readValid(imageFile);
    PrintWriter out = spec.commandLine().getOut();
    try (FleetHost host = broker.open(FleetHost.Options.secondary())) {
      Duration timeout = Duration.ofSeconds(timeoutSeconds);
      if (host.awaitDevice(device, d -> true, Duration.ofSeconds(20)).isEmpty()) {
        throw CliException.failure("device " + device + " did not answer on " + broker.url());
      }
      if (securityCounter != null) {
        image = host.sign(image, securityCounter);
      }
      long start = System.nanoTime();
      ImageTransfer transfer = host.offer(device, image, blockLog2, null);
      FleetHost.Verdict verdict = follow(transfer, image.length, timeout);
      double seconds = (System.nanoTime() - start) / 1e9;
      String running = verdict.runningSha256().substring(0, 16);
      if (!verdict.confirmed()) {
        // No throughput: nothing it measured was taken.
        throw CliException.failure(String.format(Locale.ROOT, "device %s did not take the image: %s%s; it runs %s",
            device, verdict.describe(), detail(verdict), running));
      }
      if (verdict.reason() == VerdictMessage.ALREADY_RUNNING) {
        out.printf("%s: %s, nothing sent, running %s%n", device, verdict.describe(), running);
      } else {
        out.printf(Locale.ROOT, "%s: %s, %,d bytes in %.1f s (%,.0f bytes/s), running %s%n", device,
            verdict.describe(), image.length, seconds, image.length / seconds, running);
      }
      out.flush();
    } catch (IOException e) {
      throw CliException.failure(e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failure("interrupted");
    }
  }

  /** The VERDICT's detail with its status name (PROTOCOL.md, VERDICT), or nothing when it has none. */
  private static String detail(FleetHost.Verdict verdict) {
    if (verdict.reason() == VerdictMessage.DOWNGRADE) {
      return ": sign it with a higher --security-counter";
    }
    if (verdict.reason() == VerdictMessage.BAD_SIGNATURE) {
      return ""; // the description says why
    }
    return verdict.detail() == 0 ? "" : " (detail " + verdict.detail() + ", " + RuntimeStatus.name(verdict.detail()) + ")";
  }

  /** Draws the device's progress until its verdict. */
  static FleetHost.Verdict follow(ImageTransfer transfer, long length, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (ProgressBar bar = new ProgressBar("flash " + transfer.deviceId(), length)) {
      long shown = 0;
      while (true) {
        try {
          return transfer.verdict().get(200, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          long now = transfer.confirmedBytes();
          bar.advance(now - shown);
          shown = now;
          if (System.nanoTime() > deadline) {
            throw transfer.giveUp(timeout);
          }
        } catch (ExecutionException e) {
          throw new IOException(e.getCause().getMessage(), e.getCause());
        }
      }
    }
  }
}
