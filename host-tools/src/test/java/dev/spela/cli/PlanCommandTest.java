package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.BoardPlan;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.runtime.MemoryPlan;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlanCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return SpelaCommand.execute(out, err, args);
  }

  private JsonNode planJson(String... args) throws IOException {
    assertEquals(SpelaCommand.EXIT_OK, run(args), err.toString());
    List<String> lines = out.toString().lines().toList();
    assertEquals(1, lines.size(), out.toString());
    out.getBuffer().setLength(0);
    return Json.mapper().readTree(lines.get(0));
  }

  private static MemoryPlan memoryPlan(long frozenMask) {
    return memoryPlan(128, frozenMask);
  }

  private static MemoryPlan memoryPlan(int hidden, long frozenMask) {
    MemoryPlan plan = new MemoryPlan();
    assertEquals(ImageStatus.OK, plan.setShape(784, 10, new int[] {hidden, 34}, 2, frozenMask));
    return plan;
  }

  @Test
  void jsonFiguresAreTheRuntimesToTheByte() throws IOException {
    JsonNode json = planJson("plan", "--board", "nrf52840", "--layers", "784,96,34", "--json");
    MemoryPlan model = memoryPlan(96, 0);
    JsonNode ram = json.get("ram");

    assertEquals("nrf52840", json.get("board").asText());
    assertEquals("FIRMWARE", json.get("target").asText());
    assertEquals("784-96-34", json.get("model").asText());
    assertEquals(10, json.get("classes").asInt());
    assertEquals(model.weightBytes(), ram.get("weights").asLong());
    assertEquals(model.biasBytes(), ram.get("biases").asLong());
    assertEquals(model.ioBufferBytes(), ram.get("ioBuffers").asLong());
    assertEquals(model.activationBytes(), ram.get("activations").asLong());
    assertEquals(model.noiseBytes(), ram.get("noise").asLong());
    assertEquals(model.bookkeepingBytes(), ram.get("bookkeeping").asLong());
    assertEquals(MemoryPlan.FIXED_BYTES, ram.get("runtimeFixed").asLong());
    long system = BoardCatalogue.standard().byId("nrf52840").reservedRamBytes();
    assertEquals(system, ram.get("system").asLong());
    long vm = 0;
    for (String line : List.of("firmwareBuffers", "protocolBuffers", "telemetryBuffer", "vmHeaders", "vmObjects",
        "vmHeap", "vmStatic", "stack")) {
      vm += ram.get(line).asLong();
    }
    assertEquals(model.ramBytes() + vm, ram.get("device").asLong());
    assertEquals(ram.get("device").asLong() + system, ram.get("total").asLong());
    assertEquals(262144, ram.get("capacity").asLong());
    assertEquals(
        ModelImage.imageSize(784, 10, new int[] {96, 34}, 2),
        json.get("flash").get("image").asLong());
    assertEquals(model.backpropBytes(), json.get("backprop").get("model").asLong());
    assertEquals(2, json.get("layers").size());
    assertEquals(784L * 96 + 10 * 96, json.get("layers").get(0).get("forwardMacs").asLong());
    assertTrue(json.get("time").get("trainStepMillis").asDouble() > 0);
    assertTrue(json.get("fits").asBoolean());
    assertFalse(json.has("reason"), "no reason when it fits");
  }

  @Test
  void jsonIsTheSharedBoardPlan() throws IOException {
    JsonNode json =
        planJson("plan", "--board", "esp32", "--layers", "784,128,34", "--frozen", "1", "--json");
    BoardPlan plan =
        BoardPlan.of(
            BoardCatalogue.standard().byId("esp32"), memoryPlan(1), BoardPlan.Target.FIRMWARE);

    assertEquals(Json.mapper().readTree(Json.line(plan)), json);
  }

  @Test
  void aLargeModelDoesNotFitAnNrf52840AndSaysWhy() throws IOException {
    JsonNode json = planJson("plan", "--board", "nrf52840", "--layers", "784-1000-34", "--json");

    assertEquals(2L * (784 * 1000 + 1000 * 34), json.get("ram").get("weights").asLong());
    assertFalse(json.get("fits").asBoolean());
    assertFalse(json.get("ram").get("fits").asBoolean());
    assertFalse(json.get("backprop").get("fits").asBoolean());
    String needed = String.format(Locale.ROOT, "RAM: needs %,d bytes", json.get("ram").get("total").asLong());
    assertTrue(json.get("ram").get("total").asLong() > 262_144, json.toString());
    assertTrue(json.get("reason").asText().startsWith(needed), json.toString());
  }

  @Test
  void freezingMovesWeightsFromRamToFlash() throws IOException {
    String[] args = {"plan", "--board", "rp2040", "--layers", "784,128,34", "--target", "jvm", "--json"};
    JsonNode trained = planJson(args);
    JsonNode frozen = planJson(concat(args, "--frozen", "1"));
    long layer0 = 2L * 784 * 128;

    assertEquals(
        trained.get("ram").get("weights").asLong() - layer0,
        frozen.get("ram").get("weights").asLong());
    assertEquals(
        trained.get("ram").get("total").asLong() - layer0 - (4L + 12) * 392,
        frozen.get("ram").get("total").asLong(),
        "the frozen layer's weights, its 392 row references and their array headers leave RAM");
    assertEquals(
        layer0 + 2L * 10 * (128 + 34), frozen.get("flash").get("readInPlace").asLong(), "frozen weights, priors");
    assertEquals(trained.get("flash").get("total"), frozen.get("flash").get("total"));
    assertTrue(frozen.get("layers").get(0).get("frozen").asBoolean());
    assertEquals(0, frozen.get("layers").get(0).get("updateMacs").asLong());
  }

  @Test
  void humanOutputIsATableEndingInTheVerdict() {
    assertEquals(
        SpelaCommand.EXIT_OK,
        run("plan", "--board", "nrf52840", "--layers", "784,96,34"),
        err.toString());
    String text = out.toString();
    BoardPlan plan =
        BoardPlan.of(
            BoardCatalogue.standard().byId("nrf52840"),
            memoryPlan(96, 0),
            BoardPlan.Target.FIRMWARE);

    assertTrue(text.startsWith("784-96-34, 10 classes, on nrf52840 (firmware target): "), text);
    assertTrue(text.contains("\n    1     784       96  no         150,528"), text);
    assertTrue(text.contains("\n    2      96       34  no"), text);
    assertTrue(text.contains("  weights (trainable layers)         157,056\n"), text);
    assertTrue(text.contains("  VM: heap bookkeeping"), text);
    assertTrue(
        text.contains(
            String.format(Locale.ROOT, "  total%,37d  of 262,144 SRAM: fits,", plan.ram().total())),
        text);
    assertTrue(text.contains("Backpropagation instead would need "), text);
    assertTrue(text.contains("training step 158,486 MACs"), text);
    assertTrue(text.endsWith("Fits: yes\n"), text);
    assertFalse(text.lines().anyMatch(line -> line.endsWith(" ")), "no trailing spaces");
  }

  @Test
  void layersAreNumberedFromOneInJsonToo() throws IOException {
    JsonNode layers = planJson("plan", "--board", "esp32", "--layers", "784,128,34", "--json").get("layers");
    assertEquals(1, layers.get(0).get("layer").asInt());
    assertEquals(2, layers.get(1).get("layer").asInt());
  }

  @Test
  void anInputSizeNoDatasetHasIsPlannedWithAWarning() {
    assertEquals(SpelaCommand.EXIT_OK, run("plan", "--board", "esp32", "--layers", "100,10,10"), err.toString());
    assertTrue(out.toString().endsWith("Fits: yes\n"), out.toString());
    assertTrue(err.toString().startsWith("spela: warning: --layers starts with 100 inputs, but dataset samples have"
        + " 784 (mnist, fashion-mnist) values"), err.toString());
    assertEquals(1, err.toString().lines().count(), err.toString());

    err.getBuffer().setLength(0);
    assertEquals(SpelaCommand.EXIT_OK, run("plan", "--board", "esp32", "--layers", "784,10,10"), err.toString());
    assertEquals("", err.toString());
  }

  @Test
  void humanOutputGivesTheReasonWhenItDoesNotFit() {
    assertEquals(SpelaCommand.EXIT_OK, run("plan", "--board", "rp2040", "--layers", "784,128,34"));
    long needed =
        BoardPlan.of(
                BoardCatalogue.standard().byId("rp2040"), memoryPlan(0), BoardPlan.Target.FIRMWARE)
            .ram()
            .total();
    assertTrue(needed > 270_336);
    assertTrue(
        out.toString()
            .endsWith(String.format(Locale.ROOT,
                "Fits: no: RAM: needs %,d bytes, the board has 270,336 (short by %,d)%n", needed, needed - 270_336)),
        out.toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--board uno --layers 784,128,34 | unknown board 'uno' (known boards: nrf52840, stm32f746,"
            + " stm32h743, esp32, rp2040)",
        "--board nrf52840 --layers 784 | --layers needs an input size and at least one layer",
        "--board nrf52840 --layers 784,0,34 | --layers sizes must be from 1 to 65535, got 784-0-34",
        "--board nrf52840 --layers 784,abc | Invalid value for option '--layers'",
        "--board nrf52840 --layers 784,128,34 --frozen 3 | --frozen 3 is outside 0..2",
        "--board nrf52840 --layers 784,128,34 --frozen -1 | --frozen -1 is outside 0..2",
        "--board nrf52840 --layers 784,128,34 --classes 1 | --classes must be from 2 to 65535, got"
            + " 1",
        "--layers 784,128,34 | Missing required option: '--board=ID'",
        "--board nrf52840 --layers 65535,65535,65535 | is too large for the model image format",
      })
  void badInputIsAOneLineUsageError(String args, String message) {
    int exit = run(concat(new String[] {"plan"}, args.split(" ")));

    assertEquals(SpelaCommand.EXIT_USAGE, exit);
    assertEquals("", out.toString(), "no partial output");
    String first = err.toString().lines().findFirst().orElseThrow();
    assertTrue(first.startsWith("spela: ") && first.contains(message), err.toString());
    assertEquals(
        "Try 'spela plan --help'.", err.toString().lines().skip(1).findFirst().orElseThrow());
  }

  @Test
  void helpShowsAnExample() {
    assertEquals(SpelaCommand.EXIT_OK, run("plan", "--help"));
    assertTrue(
        out.toString().contains("spela plan --board nrf52840 --layers 784,128,34"), out.toString());
  }

  private static String[] concat(String[] first, String... rest) {
    String[] all = Arrays.copyOf(first, first.length + rest.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }
}
