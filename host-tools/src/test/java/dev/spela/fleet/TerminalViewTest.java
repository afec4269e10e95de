package dev.spela.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TerminalViewTest {

  @Test
  void closingDrawsTheLastFrameAndNothingDrawsOverWhatIsPrintedAfter() {
    LiveFleet fleet = new LiveFleet("test", "db", new ModelCatalogue(List.of()));
    fleet.birth(new DeviceView("vd-1", "lab", "nrf52840", 1, 1, true, 0x1F, 1, 0, 2, 10, 167_772, 262_144, 90_112,
        1_048_576, 131_072, 131_072, 10, 0, "", 0, 0, 1L, ""));
    ByteArrayOutputStream screen = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(screen, true, StandardCharsets.UTF_8);
    TerminalView view = TerminalView.start(fleet, out);
    view.close();
    out.println("summary");
    view.close(); // twice: still nothing drawn
    String text = screen.toString(StandardCharsets.UTF_8);
    assertTrue(text.endsWith("\033[K\nsummary\n"), "the summary comes after the last frame: " + text);
    assertEquals(text.lastIndexOf("vd-1"), text.indexOf("vd-1", text.lastIndexOf('\r')), "one last frame");
  }

  @Test
  void aLineSaysWhichStepTimeIsTheBoardsAndWhichTheDeviceReported() {
    FleetSnapshot.DeviceRow row = new FleetSnapshot.DeviceRow("vd-1", "nrf52840", "784-128-34", "training", "epoch 1",
        "abc", 2, 1200, 5.5, 0.41, 12, 3, 0, true, null, new double[] {81.2, 70.5}, null);
    String line = TerminalView.lines(List.of(row)).get(0);
    assertTrue(line.contains("5.50 ms/step on the board") && line.contains("(0.41 ms reported)"), line);
    assertTrue(line.contains("L1  81.2%  L2  70.5%"), "layers numbered from 1: " + line);
    assertTrue(line.contains("3 lost"), line);
  }
}
