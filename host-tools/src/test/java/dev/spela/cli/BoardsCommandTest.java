package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.BoardProfile;
import java.io.IOException;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoardsCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return SpelaCommand.execute(out, err, args);
  }

  @Test
  void listsEveryBoardWithItsFigures() {
    assertEquals(SpelaCommand.EXIT_OK, run("boards"), err.toString());

    List<String> lines = out.toString().lines().toList();
    assertEquals(6, lines.size(), out.toString());
    assertTrue(
        lines.get(0).matches("BOARD +NAME +CORE +MHZ +SRAM +FLASH +MAC/CYCLE"), lines.get(0));
    assertTrue(
        lines
            .get(1)
            .matches("nrf52840 +Nordic nRF52840 .* +Arm Cortex-M4F +64 +256 KB +1 MB +0\\.60"),
        lines.get(1));
    assertTrue(
        lines.get(4).matches("esp32 +.* +Xtensa LX6 +240 +520 KB +external 4 MB +0\\.50"),
        lines.get(4));
    assertTrue(
        lines.get(5).matches("rp2040 +.* +Arm Cortex-M0\\+ +133 +264 KB +external 2 MB +0\\.15"),
        lines.get(5));
  }

  @Test
  void jsonIsOneObjectPerBoard() throws IOException {
    assertEquals(SpelaCommand.EXIT_OK, run("boards", "--json"), err.toString());

    List<String> lines = out.toString().lines().toList();
    List<BoardProfile> boards = BoardCatalogue.standard().boards();
    assertEquals(boards.size(), lines.size());
    for (int i = 0; i < lines.size(); i++) {
      JsonNode json = Json.mapper().readTree(lines.get(i));
      BoardProfile board = boards.get(i);
      assertEquals(board.id(), json.get("id").asText());
      assertEquals(board.name(), json.get("name").asText());
      assertEquals(board.core(), json.get("core").asText());
      assertEquals(board.clockHz(), json.get("clockHz").asLong());
      assertEquals(board.sramBytes(), json.get("sramBytes").asLong());
      assertEquals(board.flashBytes(), json.get("flashBytes").asLong());
      assertEquals(board.flashExternal(), json.get("flashExternal").asBoolean());
      assertEquals(board.macsPerCycle(), json.get("macsPerCycle").asDouble());
    }
  }

  @Test
  void sizesUseTheDatasheetUnits() {
    assertEquals("256 KB", BoardsCommand.size(256 * 1024));
    assertEquals("1 MB", BoardsCommand.size(1024 * 1024));
    assertEquals("1536 KB", BoardsCommand.size(1536 * 1024));
    assertEquals("1000 B", BoardsCommand.size(1000));
  }
}
