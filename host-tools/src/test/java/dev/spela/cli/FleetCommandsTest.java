package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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
