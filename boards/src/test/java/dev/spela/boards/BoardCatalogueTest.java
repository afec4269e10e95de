package dev.spela.boards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BoardCatalogueTest {

  private static final long KB = 1024;
  private static final long MB = 1024 * KB;

  @TempDir Path dir;

  @Test
  void standardCatalogueHasTheFiveBoardsWithTheirDatasheetFigures() {
    BoardCatalogue catalogue = BoardCatalogue.standard();

    assertEquals(List.of("nrf52840", "stm32f746", "stm32h743", "esp32", "rp2040"), catalogue.ids());
    assertBoard(catalogue.byId("nrf52840"), "Arm Cortex-M4F", 64, 256 * KB, 1 * MB, false);
    assertBoard(catalogue.byId("stm32f746"), "Arm Cortex-M7", 216, 320 * KB, 1 * MB, false);
    assertBoard(catalogue.byId("stm32h743"), "Arm Cortex-M7", 480, 1 * MB, 2 * MB, false);
    assertBoard(catalogue.byId("esp32"), "Xtensa LX6", 240, 520 * KB, 4 * MB, true);
    assertBoard(catalogue.byId("rp2040"), "Arm Cortex-M0+", 133, 264 * KB, 2 * MB, true);
  }

  private static void assertBoard(
      BoardProfile board, String core, long mhz, long sram, long flash, boolean external) {
    assertEquals(core, board.core(), board.id());
    assertEquals(mhz * 1_000_000, board.clockHz(), board.id());
    assertEquals(sram, board.sramBytes(), board.id());
    assertEquals(flash, board.flashBytes(), board.id());
    assertEquals(external, board.flashExternal(), board.id());
  }

  @Test
  void macRatesFollowTheCores() {
    BoardCatalogue catalogue = BoardCatalogue.standard();
    double m4 = catalogue.byId("nrf52840").macsPerCycle();
    double m7 = catalogue.byId("stm32f746").macsPerCycle();
    double m0 = catalogue.byId("rp2040").macsPerCycle();

    assertEquals(0.6, m4, 0.05, "8 MACs per ~13 single-issued instructions");
    assertTrue(m7 > m4 && m7 < 1, "dual issue helps, but under 1 MAC a cycle");
    assertEquals(m7, catalogue.byId("stm32h743").macsPerCycle());
    assertTrue(m0 < m4 / 2, "no SIMD on the M0+");
  }

  @Test
  void everyShippedProfileDocumentsItsFigures() {
    for (BoardProfile board : BoardCatalogue.standard().boards()) {
      assertFalse(board.sources().isEmpty(), board.id());
      assertFalse(board.macsPerCycleBasis().isBlank(), board.id());
      assertFalse(board.reservedRam().isEmpty(), board.id());
      assertFalse(board.reservedFlash().isEmpty(), board.id());
      assertTrue(board.reservedRamBytes() < board.sramBytes(), board.id());
      int block = board.protocolBuffers().imageBlockBytes();
      assertTrue(block >= 1024 && block <= 4096, board.id() + ": 1-4 KB image blocks");
    }
  }

  @Test
  void unknownBoardNamesTheKnownOnes() {
    NoSuchElementException e =
        assertThrows(NoSuchElementException.class, () -> BoardCatalogue.standard().byId("uno"));
    assertEquals(
        "unknown board 'uno' (known boards: nrf52840, stm32f746, stm32h743, esp32, rp2040)",
        e.getMessage());
  }

  @Test
  void aShippedProfileReadsBackFromAFile() throws IOException {
    Path file = dir.resolve("nrf52840.json");
    Files.writeString(file, shipped("nrf52840"));

    assertEquals(BoardCatalogue.standard().byId("nrf52840"), BoardProfile.read(file));
  }

  /** What is wrong, text of the shipped profile replaced, its replacement, expected message. */
  static Stream<Arguments> malformations() {
    return Stream.of(
        Arguments.of(
            "negative clock",
            "\"clockHz\": 64000000",
            "\"clockHz\": -64",
            "clockHz must be positive, got -64"),
        Arguments.of(
            "clock as text",
            "\"clockHz\": 64000000",
            "\"clockHz\": \"64 MHz\"",
            "field 'clockHz' must be a whole number"),
        Arguments.of(
            "fractional SRAM",
            "\"sramBytes\": 262144",
            "\"sramBytes\": 262144.5",
            "field 'sramBytes' must be a whole number"),
        Arguments.of("missing field", "\"sramBytes\": 262144,", "", "missing field 'sramBytes'"),
        Arguments.of(
            "unknown field", "\"notes\"", "\"note\": \"\", \"notes\"", "unknown field 'note'"),
        Arguments.of(
            "odd sector",
            "\"flashSectorBytes\": 4096",
            "\"flashSectorBytes\": 3000",
            "flashSectorBytes must be a power of two"),
        Arguments.of(
            "zero MAC rate",
            "\"macsPerCycle\": 0.6",
            "\"macsPerCycle\": 0",
            "macsPerCycle must be a number above 0"),
        Arguments.of(
            "odd block",
            "\"imageBlockBytes\": 1024",
            "\"imageBlockBytes\": 1000",
            "imageBlockBytes must be a power of two"),
        Arguments.of(
            "capital id", "\"id\": \"nrf52840\"", "\"id\": \"NRF52840\"", "id must be lower-case"),
        Arguments.of(
            "blank source",
            "\"sources\": [",
            "\"sources\": [ \"\",",
            "sources must list at least one non-blank source"),
        Arguments.of(
            "null name", "\"name\": \"Nordic nRF52840 (nRF52840 DK)\"", "\"name\": null", "name"),
        Arguments.of("broken syntax", "\"notes\"", "}", "line "));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformations")
  void aMalformedProfileIsRejectedOnOneLineNamingTheFile(
      String problem, String text, String replacement, String expected) throws IOException {
    String json = shipped("nrf52840");
    assertTrue(json.contains(text), "fixture text not found: " + text);
    Path file = dir.resolve("nrf52840.json");
    Files.writeString(file, json.replace(text, replacement));

    BoardProfileException e =
        assertThrows(BoardProfileException.class, () -> BoardProfile.read(file));

    assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  @Test
  void reservationsThatLeaveNoSramAreRejected() throws IOException {
    Path file = dir.resolve("nrf52840.json");
    Files.writeString(file, shipped("nrf52840").replace("\"bytes\": 12288", "\"bytes\": 262144"));

    BoardProfileException e =
        assertThrows(BoardProfileException.class, () -> BoardProfile.read(file));
    assertTrue(e.getMessage().contains("reservedRam"), e.getMessage());
  }

  @Test
  void aProfileMustBeNamedAfterItsId() throws IOException {
    Path file = dir.resolve("nrf52.json");
    Files.writeString(file, shipped("nrf52840"));

    BoardProfileException e =
        assertThrows(BoardProfileException.class, () -> BoardProfile.read(file));
    assertEquals(
        file + ": a profile file must be named after its id: expected nrf52840.json",
        e.getMessage());
  }

  @Test
  void twoProfilesWithOneIdAreRejected() {
    BoardProfile board = BoardCatalogue.standard().byId("esp32");
    BoardProfileException e =
        assertThrows(BoardProfileException.class, () -> BoardCatalogue.of(List.of(board, board)));
    assertEquals("two board profiles have the id 'esp32'", e.getMessage());
  }

  private static String shipped(String id) throws IOException {
    try (InputStream in = BoardCatalogueTest.class.getResourceAsStream(id + ".json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
