package dev.spela.boards.firmware;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code firmware.json} in a firmware folder records: the board it was built for, how QEMU
 * runs it, its layout, what is in its flash and sensor, and whether it is the agent firmware (run
 * with a bridge to a broker). {@link FirmwareRunner} reads it.
 */
public record FirmwareManifest(
    String board,
    String qemuMachine,
    String gccCpu,
    FirmwareLayout layout,
    String model,
    int imageBytes,
    String imageSha256,
    int trainingSamples,
    int heldOutSamples,
    boolean agent) {

  static final String FILE = "firmware.json";
  static final String ELF = "firmware.elf";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  void write(Path dir) throws IOException {
    MAPPER.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(FILE).toFile(), this);
  }

  /** Reads a folder's manifest, or fails naming the folder if it holds no built firmware. */
  public static FirmwareManifest read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file) || !Files.isRegularFile(dir.resolve(ELF))) {
      throw new FirmwareException(
          dir + " holds no firmware (no " + FILE + " and " + ELF + "): build one with 'spela"
              + " firmware build'");
    }
    try {
      return MAPPER.readValue(file.toFile(), FirmwareManifest.class);
    } catch (IOException e) {
      throw new FirmwareException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
