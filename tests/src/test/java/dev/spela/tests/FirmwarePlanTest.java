package dev.spela.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.BoardPlan;
import dev.spela.boards.BoardProfile;
import dev.spela.boards.LargestModel;
import dev.spela.boards.firmware.FirmwareBuilder;
import dev.spela.boards.firmware.FirmwareException;
import dev.spela.boards.firmware.FirmwareLayout;
import dev.spela.boards.firmware.FirmwareOverhead;
import dev.spela.boards.firmware.FirmwareRunner;
import dev.spela.boards.firmware.FirmwareSpec;
import dev.spela.boards.firmware.SensorData;
import dev.spela.firmware.FirmwareMemory;
import dev.spela.runtime.MemoryPlan;
import dev.spela.cli.Json;
import dev.spela.cli.SpelaCommand;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory plan is true: on every board profile, the firmware for the largest 784-H-34 the
 * firmware target's plan accepts really trains within the board's RAM, and the peak RAM it
 * measures (.data, .bss, the heap it took, the painted stack) is within 2% of what the plan counts
 * for the device. A model one step wider is refused by the plan and by the build, naming the
 * shortfall; so is an image in flash too large for the heap the firmware was built with, by the
 * firmware itself.
 */
class FirmwarePlanTest {
  private static final double TOLERANCE = 0.02;

  @TempDir Path dir;

  @Test
  void peakRamIsThePlansOnEveryBoard() throws Exception {
    String mnist = RealDatasetsTest.sharedDatasets().resolve("mnist").toString();
    StringBuilder table = new StringBuilder();
    for (BoardProfile board : BoardCatalogue.standard().boards()) {
      int width = LargestModel.hiddenWidth(board, BoardPlan.Target.FIRMWARE, 784, 34, 10, 1);
      assertTrue(width > 0, board.id() + " trains no 784-H-34 at all");
      BoardPlan plan = BoardPlan.of(board, LargestModel.shape(784, 34, 10, 1, width),
          BoardPlan.Target.FIRMWARE);
      Path image = dir.resolve(board.id() + ".img");
      spela("compile", "--layers", "784," + width + ",34", "-o", image.toString());
      Path firmware = dir.resolve(board.id());
      spela("firmware", "build", "--board", board.id(), "--image", image.toString(),
          "--data-dir", mnist, "--samples", "8", "--held-out", "4", "-o", firmware.toString());
      JsonNode run = Json.mapper().readTree(spela("firmware", "run", firmware.toString(), "--json"));

      long peak = run.get("ram").get("peak").asLong();
      long planned = plan.ram().device();
      table.append(String.format(Locale.ROOT, "%s 784-%d-34: planned %,d, measured %,d (%+.2f%%)%n",
          board.id(), width, planned, peak, 100.0 * (peak - planned) / planned));
      assertTrue(peak <= run.get("ram").get("budget").asLong(), board.id() + ": " + run);
      assertEquals(planned, peak, TOLERANCE * planned, board.id() + ": " + table + run);
      assertEquals(8, run.get("trainingSamples").asInt());
    }
    System.out.print(table);
  }

  @Test
  void aModelTooWideForTheBoardIsRefusedWithItsShortfall() throws Exception {
    BoardProfile board = BoardCatalogue.standard().byId("nrf52840");
    int width = LargestModel.hiddenWidth(board, BoardPlan.Target.FIRMWARE, 784, 34, 10, 1) + 1;
    String plan = spela("plan", "--board", board.id(), "--layers", "784," + width + ",34");
    assertTrue(plan.contains("Fits: no: RAM: needs"), plan);
    assertTrue(plan.contains("short by"), plan);

    Path image = dir.resolve("wide.img");
    spela("compile", "--layers", "784," + width + ",34", "-o", image.toString());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = SpelaCommand.execute(out, err, "firmware", "build", "--board", board.id(),
        "--image", image.toString(), "--data-dir",
        RealDatasetsTest.sharedDatasets().resolve("mnist").toString(), "--samples", "1",
        "-o", dir.resolve("wide").toString());
    assertNotEquals(0, code);
    assertTrue(err.toString().contains("does not fit nrf52840") && err.toString().contains("short by"),
        err.toString());
  }

  @Test
  void theFirmwareItselfRefusesAModelItsHeapCannotHoldWithTheShortfall() throws Exception {
    BoardProfile board = BoardCatalogue.standard().byId("nrf52840");
    Path image = dir.resolve("m.img");
    spela("compile", "--layers", "784,64,34", "-o", image.toString());
    byte[] bytes = Files.readAllBytes(image);
    MemoryPlan smaller = LargestModel.shape(784, 34, 10, 1, 32);
    // A firmware whose heap was planned for 784-32-34, with a 784-64-34 image in its flash (as if
    // flashed later): the device checks before it allocates and names the shortfall.
    FirmwareLayout layout = FirmwareOverhead.layout(board, smaller, bytes.length, 784);
    byte[] one = new byte[784];
    SensorData sensor = new SensorData(one, new byte[1], 784);
    Path firmware = dir.resolve("refusing");
    FirmwareBuilder.build(new FirmwareSpec(board, bytes, sensor, sensor, layout), firmware);
    FirmwareException refused =
        assertThrows(FirmwareException.class, () -> FirmwareRunner.run(firmware, 600));
    long needed = FirmwareMemory.javaHeapBytes(LargestModel.shape(784, 34, 10, 1, 64), 784);
    assertTrue(refused.getMessage().contains(String.format(Locale.ROOT, "needs %,d bytes of Java"
        + " heap", needed)) && refused.getMessage().contains(String.format(Locale.ROOT,
        "short by %,d", needed - layout.javaHeapBytes())), refused.getMessage());
  }

  private static String spela(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(0, SpelaCommand.execute(out, err, args), String.join(" ", args) + ": " + err);
    return out.toString();
  }
}
