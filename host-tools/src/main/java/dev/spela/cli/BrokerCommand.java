package dev.spela.cli;

import dev.spela.fleet.EmbeddedBroker;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code spela broker}: an MQTT broker on loopback for the fleet commands, until Ctrl-C. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = {
      "Run an MQTT broker on 127.0.0.1 until Ctrl-C.",
      "HiveMQ CE, embedded, MQTT 3.1.1 and 5, everything in memory. The fleet",
      "commands work with any other MQTT broker too (see their --broker)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela broker",
      "  spela broker --port 1884",
      "  spela broker --port 0      (picks a free port and prints it)"
    })
public final class BrokerCommand implements Runnable {

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "1883",
      paramLabel = "PORT",
      description = "TCP port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 picks a free port).")
  int port;

  @Override
  public void run() {
    if (port < 0 || port > 65535) {
      throw CliException.usage("--port must be 0..65535, got " + port);
    }
    EmbeddedBroker broker;
    try {
      broker = port == 0 ? EmbeddedBroker.start() : EmbeddedBroker.start(port);
    } catch (IOException e) {
      throw CliException.failure(e.getMessage(), e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                },
                "broker-shutdown"));
    spec.commandLine().getOut().println("MQTT broker listening on " + broker.url() + " (Ctrl-C to stop)");
    spec.commandLine().getOut().flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      broker.close();
    }
  }
}
