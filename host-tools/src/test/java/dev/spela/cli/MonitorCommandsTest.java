package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spela.data.Fixture;
import dev.spela.fleet.Evaluation;
import dev.spela.fleet.TelemetryRecord;
import dev.spela.fleet.TelemetryStore;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** spela monitor, demo and telemetry: failures leave nothing behind; the export's formats. */
class MonitorCommandsTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  /** Runs a command line; {@code out} and {@code err} then hold its output only. */
  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return SpelaCommand.execute(out, err, args);
  }

  private void assertOneLineError(int expectedExit, int exit, String mentions) {
    assertEquals(expectedExit, exit, err.toString());
    String first = err.toString().lines().findFirst().orElse("");
    assertTrue(first.startsWith("spela: ") && first.contains(mentions), err.toString());
    assertTrue(err.toString().lines().count() <= 2, "no stack trace: " + err);
  }

  @Test
  void aMonitorWithNoBrokerLeavesNoRunFolderBehind(@TempDir Path dir) throws IOException {
    Path run = dir.resolve("run");
    assertOneLineError(SpelaCommand.EXIT_FAILURE,
        run("monitor", "--broker", "ssl://127.0.0.1:1", "--run", run.toString()), "cannot connect to MQTT broker");
    assertFalse(Files.exists(run), "no run folder");

    Path existing = Files.createDirectories(dir.resolve("existing"));
    assertEquals(SpelaCommand.EXIT_FAILURE, run("monitor", "--broker", "ssl://127.0.0.1:1", "--run",
        existing.toString()));
    try (var files = Files.list(existing)) {
      assertEquals(List.of(), files.toList(), "a folder that existed is left as it was: empty");
    }
  }

  @Test
  void aDemoWithNoBrokerLeavesNoRunFolderBehind(@TempDir Path dir) {
    Path run = dir.resolve("run");
    assertOneLineError(SpelaCommand.EXIT_FAILURE, run("demo", "--devices", "1", "--broker", "ssl://127.0.0.1:1",
        "--run", run.toString(), "--data-dir", Fixture.dir().toString()), "cannot connect to MQTT broker");
    assertFalse(Files.exists(run), "no run folder");
  }

  @Test
  void badMonitorOptionsAreUsageErrors() {
    assertEquals(SpelaCommand.EXIT_USAGE, run("monitor", "--http", "localhost:http"), err.toString());
    assertEquals(SpelaCommand.EXIT_USAGE, run("monitor", "--session-expiry", "-1"), err.toString());
    assertOneLineError(SpelaCommand.EXIT_USAGE, run("monitor", "--store", "jdbc:h2:mem:x"),
        "use jdbc:sqlite:FILE or jdbc:postgresql://");
  }

  private static TelemetryRecord record(long counter) {
    return new TelemetryRecord("vd-1", "lab", "00000000000000a1", 2, 7, counter, 1, 1_700_000_000_000L, 100 * (counter + 1), 0, 850,
        90_112, 167_772, List.of(new TelemetryRecord.Layer(26_624, -16_384, 212_992),
            new TelemetryRecord.Layer(29_696, -23_552, 98_304)));
  }

  @Test
  void theExportWritesCsvRowsPerLayerAndJsonLinesPerRecord(@TempDir Path run) throws IOException {
    try (TelemetryStore store = TelemetryStore.open(TelemetryStore.sqliteUrl(run))) {
      store.storeAll(List.of(record(0), record(1)));
      store.storeEvaluation(new Evaluation("vd-1", 7, 41, 200, 300, new int[] {20_000, 25_000}, 1_700_000_001_000L));
    }
    assertEquals(0, run("telemetry", "export", "--run", run.toString(), "--format", "csv"), err.toString());
    assertEquals(List.of(
        "device,group,life,boot,record,bdSeq,state,deviceTimeMs,samplesSeen,epoch,stepMicros,ramUsed,"
            + "learningRateQ24,layer,accuracyQ15,lossQ15,weightNormQ16",
        "vd-1,lab,00000000000000a1,2,0,7,1,1700000000000,100,0,850,90112,167772,1,26624,-16384,212992",
        "vd-1,lab,00000000000000a1,2,0,7,1,1700000000000,100,0,850,90112,167772,2,29696,-23552,98304",
        "vd-1,lab,00000000000000a1,2,1,7,1,1700000000000,200,0,850,90112,167772,1,26624,-16384,212992",
        "vd-1,lab,00000000000000a1,2,1,7,1,1700000000000,200,0,850,90112,167772,2,29696,-23552,98304"), out.toString().lines().toList());

    Path file = run.resolve("records.jsonl");
    assertEquals(0, run("telemetry", "export", "--store", TelemetryStore.sqliteUrl(run), "--format", "JSONL", "-o",
        file.toString()), err.toString());
    List<String> lines = Files.readAllLines(file);
    assertEquals(2, lines.size());
    JsonNode first = Json.mapper().readTree(lines.get(0));
    assertEquals(0, first.path("record").asInt());
    assertEquals("00000000000000a1", first.path("life").asText());
    assertEquals(2, first.path("boot").asInt());
    assertEquals(2, first.path("layers").path(1).path("layer").asInt(), "layers numbered from 1");
    assertEquals(-23_552, first.path("layers").path(1).path("lossQ15").asInt());
    assertTrue(err.toString().contains("2 records written to " + file), err.toString());

    assertEquals(0, run("telemetry", "export", "--run", run.toString(), "--format", "csv", "--evaluations"));
    assertEquals(List.of("device,bdSeq,commandId,samplesSeen,evaluatedSamples,receivedMs,layer,accuracyQ15",
        "vd-1,7,41,200,300,1700000001000,1,20000", "vd-1,7,41,200,300,1700000001000,2,25000"),
        out.toString().lines().toList());
  }

  @Test
  void theExportNeedsOneDatabaseThatExists(@TempDir Path dir) {
    assertOneLineError(SpelaCommand.EXIT_USAGE, run("telemetry", "export", "--format", "csv"), "either --run");
    assertOneLineError(SpelaCommand.EXIT_FAILURE, run("telemetry", "export", "--format", "csv", "--run",
        dir.toString()), "no telemetry database");
    assertEquals(SpelaCommand.EXIT_USAGE, run("telemetry", "export", "--format", "xml", "--run", dir.toString()));
  }
}
