package dev.spela.boards.firmware;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.spela.firmware.FirmwareRecord;
import dev.spela.protocols.fleet.CodeNames;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.runtime.RuntimeStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a built firmware in QEMU with instruction counting and reads what it prints
 * (boards/firmware/README.md, "Output") into a {@link FirmwareRun}.
 */
public final class FirmwareRunner {

  /**
   * Instructions per tick of the firmware's timer: with -icount shift=0 each instruction is 1 ns of
   * virtual time, and the MPS2 timer counts at 25 MHz.
   */
  public static final int INSTRUCTIONS_PER_TICK = 40;

  private FirmwareRunner() {}

  /**
   * Runs the firmware in {@code dir} until it ends (at most {@code timeoutSeconds}).
   *
   * @throws FirmwareException if QEMU is missing, the firmware fails (with its reason) or prints
   *     less than a whole run
   */
  public static FirmwareRun run(Path dir, long timeoutSeconds) {
    FirmwareManifest manifest = FirmwareManifest.read(dir);
    Path qemu = Toolchain.requireEmulator();
    List<String> command =
        List.of(
            qemu.toString(),
            "-M",
            manifest.qemuMachine(),
            "-display",
            "none",
            "-serial",
            "null",
            "-monitor",
            "none",
            "-semihosting-config",
            "enable=on,target=native",
            "-icount",
            "shift=0",
            "-kernel",
            FirmwareManifest.ELF);
    Output output = new Output();
    int code;
    try {
      Process process =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      try (BufferedReader lines =
          new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          output.add(line);
        }
      }
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new FirmwareException("the firmware did not end within " + timeoutSeconds + " s");
      }
      code = process.exitValue();
    } catch (IOException e) {
      throw new FirmwareException("cannot run " + Toolchain.QEMU + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FirmwareException("interrupted while the firmware ran", e);
    }
    return output.result(manifest, code);
  }

  /** The lines a firmware printed, by kind. */
  private static final class Output {
    private final Map<Integer, long[]> records = new HashMap<>();
    private final Map<Integer, long[]> layers = new HashMap<>();
    private final int[] digest = new int[8];
    private final Map<Integer, long[]> phases = new HashMap<>();
    private long[] failure;
    private long[] memory;
    private final StringBuilder other = new StringBuilder();

    void add(String line) {
      String[] parts = line.strip().split(" ");
      if (parts.length < 2 || parts[0].length() != 1 || !numbers(parts)) {
        other.append(line.strip()).append(' ');
        return;
      }
      long[] v = new long[parts.length - 1];
      for (int i = 1; i < parts.length; i++) {
        v[i - 1] = Long.parseLong(parts[i]);
      }
      switch (parts[0]) {
        case "R" -> {
          int record = (int) v[0];
          if (record == FirmwareRecord.LAYER_CORRECT) {
            layers.put((int) v[1], v);
          } else if (record == FirmwareRecord.DIGEST) {
            digest[(int) v[1]] = (int) v[2];
          } else {
            records.put(record, v);
          }
        }
        case "F" -> failure = v;
        case "M" -> phases.put((int) v[0], v);
        case "S" -> memory = v;
        default -> other.append(line.strip()).append(' ');
      }
    }

    private static boolean numbers(String[] parts) {
      for (int i = 1; i < parts.length; i++) {
        if (!parts[i].matches("-?\\d+")) {
          return false;
        }
      }
      return true;
    }

    FirmwareRun result(FirmwareManifest manifest, int code) {
      if (failure != null) {
        throw new FirmwareException(failureMessage(manifest));
      }
      long[] written = records.get(FirmwareRecord.WRITTEN);
      long[] early = records.get(FirmwareRecord.EARLY_EXIT_CORRECT);
      if (code != 0 || written == null || early == null || memory == null || layers.isEmpty()) {
        throw new FirmwareException(
            "the firmware ended (exit code " + code + ") without a whole run"
                + (other.length() == 0 ? "" : ": " + other.toString().strip()));
      }
      int count = layers.size();
      int[] correct = new int[count];
      double[] accuracy = new double[count];
      int heldOut = manifest.heldOutSamples();
      for (int k = 0; k < count; k++) {
        correct[k] = (int) layers.get(k)[2];
        accuracy[k] = heldOut == 0 ? 0 : (double) correct[k] / heldOut;
      }
      StringBuilder sha = new StringBuilder();
      for (int word : digest) {
        sha.append(String.format(Locale.ROOT, "%08x", word));
      }
      long stack = memory[5];
      long peak = memory[0] + memory[1] + memory[2] + stack;
      return new FirmwareRun(
          "firmware",
          manifest.board(),
          manifest.qemuMachine(),
          manifest.model(),
          manifest.trainingSamples(),
          heldOut,
          correct,
          accuracy,
          heldOut == 0 ? 0 : (double) early[1] / heldOut,
          new FirmwareRun.Instructions(
              total(FirmwareRecord.PHASE_LOAD),
              mean(FirmwareRecord.PHASE_TRAIN),
              mean(FirmwareRecord.PHASE_PREDICT),
              mean(FirmwareRecord.PHASE_EARLY_EXIT),
              total(FirmwareRecord.PHASE_WRITE),
              total(FirmwareRecord.PHASE_VERIFY)),
          new FirmwareRun.Ram(
              memory[0], memory[1], memory[2], memory[3], memory[4], stack, peak,
              manifest.layout().ramBytes()),
          new FirmwareRun.Flash(memory[6], manifest.layout().flashBytes()),
          (int) written[1],
          sha.toString());
    }

    private long total(int phase) {
      long[] p = phases.get(phase);
      return p == null ? 0 : p[2] * INSTRUCTIONS_PER_TICK;
    }

    private long mean(int phase) {
      long[] p = phases.get(phase);
      return p == null || p[1] == 0 ? 0 : Math.round((double) p[2] * INSTRUCTIONS_PER_TICK / p[1]);
    }

    private String failureMessage(FirmwareManifest manifest) {
      int reason = (int) failure[0];
      long a = failure[1];
      long b = failure[2];
      return switch (reason) {
        case FirmwareRecord.FAIL_IMAGE ->
            "the firmware refused the image in flash: " + ImageStatus.name((int) a);
        case FirmwareRecord.FAIL_DOES_NOT_FIT -> String.format(Locale.ROOT,
            "the firmware refused the model: it needs %,d bytes of Java heap, the firmware for %s"
                + " has %,d (short by %,d)", a, manifest.board(), b, a - b);
        case FirmwareRecord.FAIL_TRAIN ->
            "training failed at sample " + a + ": " + RuntimeStatus.name((int) b);
        case FirmwareRecord.FAIL_PREDICT ->
            "prediction failed at held-out sample " + a + ": " + RuntimeStatus.name((int) b);
        case FirmwareRecord.FAIL_WRITE ->
            "writing the trained image to flash failed: " + RuntimeStatus.name((int) a);
        case FirmwareRecord.FAIL_SIGNATURE ->
            "the firmware refused the signed image in flash: "
                + CodeNames.signatureStatus((int) a);
        default -> "the firmware failed (reason " + reason + ")";
      };
    }
  }
}
