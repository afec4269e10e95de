package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.data.Fixture;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void aDeviceWhoseThreadDiesEndsTheProcessWithAFailure(@TempDir Path dir) {
    // The broker URL is checked when the device thread first connects: the thread dies there.
    assertOneLineError(SpelaCommand.EXIT_FAILURE,
        run("device", "run", "--board", "nrf52840", "--id", "vd-1", "--data-dir", Fixture.dir().toString(),
            "--state-dir", dir.toString(), "--broker", "nonsense://nowhere"),
        "device vd-1 stopped");
  }

  @Test
  void fleetNeedsADeviceOrAll() {
    assertEquals(SpelaCommand.EXIT_USAGE, run("fleet", "start"), err.toString());
  }

  @Test
  void flashRefusesAFileThatIsNotAModelImage(@TempDir Path dir) throws IOException {
    Path junk = Files.write(dir.resolve("junk.img"), new byte[100]);
    assertOneLineError(SpelaCommand.EXIT_FAILURE, run("flash", "--device", "vd-1", junk.toString()),
        "not a valid model image");
  }

  @Test
  void anUnreachableBrokerIsAOneLineFailure() {
    assertOneLineError(SpelaCommand.EXIT_FAILURE,
        run("devices", "--broker", "tcp://127.0.0.1:1", "--wait", "1"), "cannot connect to MQTT broker");
  }

  @Test
  void theDemoStartsFromScratchInANewRunFolder(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("report.html"), "an earlier run");
    assertOneLineError(SpelaCommand.EXIT_USAGE, run("demo", "--run", dir.toString()), "is not empty");
  }

  @Test
  void anInvalidDeviceNameIsAUsageError() {
    assertOneLineError(SpelaCommand.EXIT_USAGE, run("devices", "--host-id", "no spaces"), "not a valid name");
  }
}
