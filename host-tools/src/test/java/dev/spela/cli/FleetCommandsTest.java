package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.boards.Names;
import dev.spela.fleet.EmbeddedBroker;
import dev.spela.fleet.FleetDemo;
import dev.spela.fleet.HostConnection;
import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input to the fleet commands: one line, the right exit code, nothing else. */
class FleetCommandsTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return SpelaCommand.execute(out, err, args);
  }

  private void assertOneLineError(int expectedExit, int exit, String mentions) {
    assertEquals(expectedExit, exit, err.toString());
    String first = err.toString().lines().findFirst().orElse("");
    assertTrue(first.startsWith("spela: ") && first.contains(mentions), err.toString());
    assertTrue(err.toString().lines().count() <= 2, "no stack trace: " + err);
  }

  @Test
  void aBadShardIsAUsageError() {
    assertOneLineError(SpelaCommand.EXIT_USAGE,
        run("device", "run", "--board", "nrf52840", "--id", "vd-1", "--shard", "4/4"), "--shard");
  }

  @Test
  void anUnknownBoardIsAUsageError() {
    assertOneLineError(SpelaCommand.EXIT_USAGE,
        run("device", "run", "--board", "pdp-11", "--id", "vd-1"), "unknown board 'pdp-11'");
  }

  @Test
  void fleetNeedsADeviceOrAll() {
    assertEquals(SpelaCommand.EXIT_USAGE, run("fleet", "start"), err.toString());
  }

  @Test
  void flashRefusesAFileThatIsNotAModelImage(@TempDir Path dir) throws IOException {
    Path junk = Files.write(dir.resolve("junk.img"), new byte[100]);
    assertOneLineError(SpelaCommand.EXIT_FAILURE, run("flash", "--device", "vd-1", junk.toString()),
        "invalid model image");
  }

  @Test
  void anUnreachableBrokerIsAOneLineFailure() {
    assertOneLineError(SpelaCommand.EXIT_FAILURE,
        run("devices", "--broker", "ssl://127.0.0.1:1", "--wait", "1"), "cannot connect to MQTT broker");
  }

  @Test
  void aFlashWithoutAVerdictSaysHowLongItWaited(@TempDir Path dir) throws Exception {
    Path image = Files.write(dir.resolve("model.img"), FleetDemo.untrainedImage(new int[] {784, 32, 16}, 10, 0.01, 1));
    try (EmbeddedBroker broker = EmbeddedBroker.start()) {
      // A device that announces it takes images, then never answers the offer.
      byte[] birth = new byte[FleetProtocol.HEADER_LENGTH + BirthMessage.BODY_LENGTH];
      BirthMessage message = new BirthMessage();
      message.wrapForEncode(birth, 0, birth.length, 0, 1);
      message.board(Names.of("nrf52840")).runtimeVersion(0, 1)
          .capabilities(BirthMessage.CAN_TRAIN | BirthMessage.CAN_RECEIVE_IMAGES).bootCount(1)
          .memory(262_144, 90_112, 1_048_576, 0).imageSlot(131_072, 12).deviceTimeMs(1);
      HostConnection[] device = new HostConnection[1];
      device[0] = HostConnection.connect(broker.url(), "vd-silent", null, (topic, payload) -> {
        try {
          device[0].publish("spela/v2/lab/BIRTH/vd-silent", birth, 1, false);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      try (HostConnection silent = device[0]) {
        silent.subscribe("spela/v2/STATE/timeout-host", 1);
        // Plain MQTT on purpose (the silent device is a bare client): the warning, then the one-line error.
        assertEquals(SpelaCommand.EXIT_FAILURE, run("flash", "--insecure", "--device", "vd-silent",
            image.toString(), "--timeout", "2", "--broker", broker.url(), "--host-id", "timeout-host"), err.toString());
        List<String> lines = err.toString().lines().toList();
        assertEquals(2, lines.size(), err.toString());
        assertTrue(lines.get(0).startsWith("spela: warning: --insecure"), err.toString());
        assertTrue(lines.get(1).startsWith("spela: ") && lines.get(1).contains("no verdict from vd-silent within 2 s"),
            err.toString());
      }
    }
  }

  @Test
  void pahoStackTracesShowOnlyWithVerbose() {
    // Paho's SEVERE "Socket closed" traces when a broker dies go through java.util.logging.
    java.util.logging.Logger sender =
        java.util.logging.Logger.getLogger("org.eclipse.paho.mqttv5.client.internal.CommsSender");
    run("devices", "--broker", "tcp://127.0.0.1:1", "--wait", "1");
    assertFalse(sender.isLoggable(Level.SEVERE), "silent without --verbose");
    run("devices", "--broker", "tcp://127.0.0.1:1", "--wait", "1", "--verbose");
    assertTrue(sender.isLoggable(Level.SEVERE), "heard with --verbose");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"nonsense://foo", "127.0.0.1:1883", "tcp://", "tcp://host:99999", "tcp://host/path"})
  void aBrokerUrlTheClientsCannotUseIsAUsageErrorNamingTheSchemes(String url) {
    for (String[] command :
        List.of(
            new String[] {"devices"},
            new String[] {"flash", "--device", "vd-1", "model.img"},
            new String[] {"fleet", "start", "--all"},
            new String[] {"monitor"},
            new String[] {"provision", "--claim-secret", "s"},
            new String[] {"device", "run", "--board", "nrf52840", "--id", "vd-1"},
            new String[] {"demo"})) {
      err.getBuffer().setLength(0);
      String[] args = Stream.concat(Arrays.stream(command), Stream.of("--broker", url)).toArray(String[]::new);
      assertOneLineError(SpelaCommand.EXIT_USAGE, run(args), "'" + url + "' is not a broker URL");
      assertTrue(err.toString().contains("tcp://HOST[:PORT], ssl://HOST[:PORT]"), err.toString());
    }
  }

  @Test
  void theDemoStartsFromScratchInANewRunFolder(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("report.html"), "an earlier run");
    assertOneLineError(SpelaCommand.EXIT_USAGE, run("demo", "--run", dir.toString()), "is not empty");
  }

  @Test
  void negativePretrainingEpochsAreAUsageError() {
    assertOneLineError(SpelaCommand.EXIT_USAGE, run("demo", "--pretrain-epochs", "-1"), "--pretrain-epochs 0 or more");
  }

  @Test
  void anInvalidDeviceNameIsAUsageError() {
    assertOneLineError(SpelaCommand.EXIT_USAGE, run("devices", "--host-id", "no spaces"), "not a valid name");
  }
}
