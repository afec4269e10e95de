package dev.spela.boards.firmware;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.spela.boards.BoardPlan;
import dev.spela.boards.BoardProfile;
import dev.spela.boards.device.BoardLimits;
import dev.spela.firmware.FirmwareMain;
import dev.spela.protocols.crypto.Ed25519Verifier;
import dev.spela.protocols.image.ImageSignature;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.protocols.image.ModelImage;
import dev.spela.runtime.MemoryPlan;
import dev.spela.runtime.SpelaRuntime;
import dev.spela.subset.SubsetChecker;
import dev.spela.subset.SubsetReport;
import dev.spela.subset.Violation;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Builds a board's firmware (boards/firmware/README.md): checks the device classes against the
 * embedded subset, compiles them to C with TeaVM, compiles that and the board-support C with
 * arm-none-eabi-gcc and newlib-nano for the board's core, and links it with a linker script made
 * from the board's RAM and flash, the model image in flash slot A and the samples in the sensor.
 */
public final class FirmwareBuilder {

  /** The board-support C files, in the firmware jar under this resource folder. */
  private static final String BSP = "dev/spela/firmware/c/";

  private static final List<String> BSP_SOURCES =
      List.of("startup.c", "board.c", "syscalls.c", "semihosting.c", "natives.c", "uart.c");
  private static final List<String> BSP_HEADERS =
      List.of("board.h", "semihosting.h", "spela_natives.h", "pspkernel.h");

  /** Where each QEMU machine maps the memory the linker script calls SENSOR (its PSRAM). */
  private static final String SENSOR_AN385_AN386 = "0x21000000";

  private static final String SENSOR_AN500 = "0x60000000";

  /** Array classes TeaVM may have to make at run time (it makes none for this firmware). */
  private static final int ARRAY_CLASS_POOL = 16;

  /** Objects of TeaVM's C, by compiler flags (see {@link #compileAndLink}). */
  private static final Map<String, byte[]> PROGRAM_OBJECTS = new ConcurrentHashMap<>();

  private static final Pattern OVERFLOW =
      Pattern.compile("region `(\\w+)' overflowed by (\\d+) bytes");

  /** The trusted key of a signed image, read by the firmware (natives.c). */
  static final String IMAGE_KEY = "image.key";

  private FirmwareBuilder() {}

  /**
   * Builds the firmware that trains the model in {@code image} on {@code board}, laid out by the
   * board's memory plan for the firmware target.
   *
   * @throws FirmwareException if the plan says the model does not fit (naming the shortfall), or as
   *     {@link #build(FirmwareSpec, Path)}
   */
  public static FirmwareManifest build(
      BoardProfile board, byte[] image, SensorData training, SensorData heldOut, Path dir) {
    return build(board, image, training, heldOut, false, dir);
  }

  /**
   * As {@link #build(BoardProfile, byte[], SensorData, SensorData, Path)}; {@code agent}: the
   * agent firmware, a fleet member over its UART with the image as its factory image, its heap
   * planned for the agent too.
   */
  public static FirmwareManifest build(BoardProfile board, byte[] image, SensorData training,
      SensorData heldOut, boolean agent, Path dir) {
    MemoryPlan model = checkedPlan(board, image, image.length,
        agent ? BoardPlan.Target.FIRMWARE_AGENT : BoardPlan.Target.FIRMWARE);
    FirmwareLayout layout = agent
        ? FirmwareOverhead.agentLayout(board, model, image.length, training.sampleBytes())
        : FirmwareOverhead.layout(board, model, image.length, training.sampleBytes());
    return build(new FirmwareSpec(board, image, training, heldOut, layout, agent, null), dir);
  }

  /**
   * As {@link #build(BoardProfile, byte[], SensorData, SensorData, Path)} for a signed image (a
   * model image and its signature trailer, MODEL_FORMAT.md): the firmware checks the trailer
   * under {@code trustedKey} (a raw Ed25519 public key) before it loads the model, metered, and
   * stops if it does not verify; its heap is planned for the verifier too.
   */
  public static FirmwareManifest buildSigned(BoardProfile board, byte[] signedImage,
      byte[] trustedKey, SensorData training, SensorData heldOut, Path dir) {
    int modelBytes = ImageSignature.modelLength(signedImage, signedImage.length);
    if (modelBytes == signedImage.length) {
      throw new FirmwareException("not a signed image: no signature trailer after the model image");
    }
    if (trustedKey.length != Ed25519Verifier.PUBLIC_KEY_LENGTH) {
      throw new FirmwareException("an Ed25519 public key has " + Ed25519Verifier.PUBLIC_KEY_LENGTH
          + " bytes, got " + trustedKey.length);
    }
    MemoryPlan model = checkedPlan(board, signedImage, modelBytes, BoardPlan.Target.FIRMWARE);
    FirmwareLayout layout = FirmwareOverhead.signedLayout(
        board, model, signedImage.length, training.sampleBytes());
    return build(
        new FirmwareSpec(board, signedImage, training, heldOut, layout, false, trustedKey), dir);
  }

  /** The model's plan, from the model image in {@code image[0, modelBytes)}, if it fits. */
  private static MemoryPlan checkedPlan(
      BoardProfile board, byte[] image, int modelBytes, BoardPlan.Target target) {
    MemoryPlan model = new MemoryPlan();
    int status = model.setFromImage(new ArrayFlash(image), 0, modelBytes);
    if (status != ImageStatus.OK) {
      throw new FirmwareException("not a valid model image: " + ImageStatus.name(status));
    }
    BoardPlan plan = BoardPlan.of(board, model, target);
    if (!plan.fits()) {
      throw new FirmwareException(
          plan.model() + " does not fit " + board.id() + " as firmware: " + plan.reason());
    }
    return model;
  }

  /**
   * Builds the firmware of {@code spec} into {@code dir} (created if needed): {@code
   * firmware.elf}, {@code firmware.json} and the C, linker script and payload it was made from.
   *
   * @throws FirmwareException naming the problem: a missing tool (with its Debian package), device
   *     code outside the subset or TeaVM's library, or a firmware that does not fit (with the
   *     shortfall in bytes)
   */
  public static FirmwareManifest build(FirmwareSpec spec, Path folder) {
    Path gcc = Toolchain.requireCompiler();
    Path dir = folder.toAbsolutePath(); // the compilers run inside it
    try {
      Files.createDirectories(dir);
      checkSubset();
      Path teavm = dir.resolve("c/teavm");
      TeaVmCompiler.deleteTree(teavm);
      TeaVmCompiler.generate(spec.mainClass(), teavm);
      Path board = dir.resolve("c/board");
      extractBoardSupport(board);
      writePayload(spec, dir);
      Path script = dir.resolve("firmware.ld");
      Files.writeString(script, linkerScript(spec), UTF_8);
      compileAndLink(gcc, spec, dir, teavm, board, script);
      FirmwareManifest manifest = manifest(spec);
      manifest.write(dir);
      return manifest;
    } catch (IOException e) {
      throw new FirmwareException("cannot build the firmware in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The firmware's program, the runtime and the protocols: the classes TeaVM compiles. */
  static List<Path> deviceClasses() {
    return List.of(
        locationOf(FirmwareMain.class), locationOf(SpelaRuntime.class), locationOf(ModelImage.class));
  }

  private static Path locationOf(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the classes of " + type.getName(), e);
    }
  }

  private static void checkSubset() throws IOException {
    // the protocols module defines the subset's marks; only its InitPhase and SteadyState count
    SubsetReport report =
        new SubsetChecker(locationOf(ModelImage.class))
            .check(deviceClasses().toArray(Path[]::new));
    if (!report.isClean()) {
      throw new FirmwareException(
          "device code breaks the embedded Java subset: "
              + report.violations().stream().map(Violation::format).collect(Collectors.joining("; ")));
    }
  }

  private static void extractBoardSupport(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("include"));
    for (String name : BSP_SOURCES) {
      copyResource(BSP + name, dir.resolve(name));
    }
    for (String name : BSP_HEADERS) {
      copyResource(BSP + "include/" + name, dir.resolve("include").resolve(name));
    }
  }

  static void copyResource(String name, Path target) throws IOException {
    try (InputStream in = FirmwareBuilder.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " is missing from the firmware jar");
      }
      Files.write(target, in.readAllBytes());
    }
  }

  private static void writePayload(FirmwareSpec spec, Path dir) throws IOException {
    Path payload = dir.resolve("payload");
    Files.createDirectories(payload);
    Files.write(payload.resolve("model.img"), spec.image());
    Path key = dir.resolve(IMAGE_KEY); // beside the firmware: QEMU's semihosting reads it there
    if (spec.imageKey() == null) {
      Files.deleteIfExists(key);
    } else {
      Files.write(key, spec.imageKey());
    }
    Files.write(payload.resolve("train.pix"), spec.training().pixels());
    Files.write(payload.resolve("train.lab"), spec.training().labels());
    Files.write(payload.resolve("test.pix"), spec.heldOut().pixels());
    Files.write(payload.resolve("test.lab"), spec.heldOut().labels());
    String assembly =
        """
        /* Generated by spela firmware build: the model image in flash slot A, the samples in the sensor. */
          .section .model, "a"
          .incbin "model.img"
          .section .sensor, "a"
          .global __train_pixels, __train_labels, __train_labels_end
          .global __test_pixels, __test_labels, __test_labels_end
        __train_pixels: .incbin "train.pix"
        __train_labels: .incbin "train.lab"
        __train_labels_end:
        __test_pixels: .incbin "test.pix"
        __test_labels: .incbin "test.lab"
        __test_labels_end:
          .section .rodata.spela_sample_bytes, "a"
          .balign 4
          .global spela_sample_bytes
        spela_sample_bytes: .word %d
          .global %s
        %s: .word %d
        """
            .formatted(spec.training().sampleBytes(), TeaVmCompiler.HEAP_SYMBOL,
                TeaVmCompiler.HEAP_SYMBOL, spec.layout().javaHeapBytes());
    Files.writeString(payload.resolve("payload.S"), assembly, UTF_8);
  }

  private static String linkerScript(FirmwareSpec spec) throws IOException {
    String template;
    try (InputStream in =
        FirmwareBuilder.class.getClassLoader().getResourceAsStream(BSP + "firmware.ld")) {
      if (in == null) {
        throw new IllegalStateException("firmware.ld is missing from the firmware jar");
      }
      template = new String(in.readAllBytes(), UTF_8);
    }
    FirmwareLayout layout = spec.layout();
    return template
        .replace("@FLASH_BYTES@", Long.toString(layout.flashBytes()))
        .replace("@RAM_BYTES@", Long.toString(layout.ramBytes()))
        .replace("@SECTOR_BYTES@", Long.toString(layout.sectorBytes()))
        .replace("@SLOT_BYTES@", Long.toString(layout.slotBytes()))
        .replace("@STATE_BYTES@", Long.toString(spec.agent() ? stateBytes(layout) : 0))
        .replace("@HEAP_BYTES@", Long.toString(layout.mallocBytes()))
        .replace("@STACK_BYTES@", Long.toString(layout.stackBytes()))
        .replace("@SENSOR_ORIGIN@", sensorOrigin(spec.board().firmware().qemuMachine()));
  }

  /** Each of the agent's state areas: the virtual device's, in whole erase sectors. */
  static long stateBytes(FirmwareLayout layout) {
    long sector = layout.sectorBytes();
    return (BoardLimits.STATE_AREA_BYTES + sector - 1) / sector * sector;
  }

  private static String sensorOrigin(String machine) {
    return machine.equals("mps2-an500") ? SENSOR_AN500 : SENSOR_AN385_AN386;
  }

  private static void compileAndLink(
      Path gcc, FirmwareSpec spec, Path dir, Path teavm, Path board, Path script)
      throws IOException {
    List<String> flags =
        List.of(
            "-mcpu=" + spec.board().firmware().gccCpu(),
            "-mthumb",
            "-mfloat-abi=soft",
            "-O2",
            // Java's int and long arithmetic wraps; in C a signed overflow is undefined, and gcc's
            // -O3 miscompiled TeaVM's C without this (a different trained image).
            "-fwrapv",
            "-ffunction-sections",
            "-fdata-sections",
            "-D__PSP__", // TeaVM's bare-metal port: heap from malloc, no signals or timers
            "-Dmain=teavm_main", // startup.c runs TeaVM's main between its own setup and report
            "-D" + TeaVmCompiler.CLASS_POOL_MACRO + "=" + ARRAY_CLASS_POOL,
            // Only our include folder: TeaVM's generated folder has its own string.h and time.h.
            "-I" + board.resolve("include"));
    Path objects = dir.resolve("obj");
    Files.createDirectories(objects);
    List<List<String>> compiles = new ArrayList<>();
    // TeaVM's C is the same for every firmware of this JVM, so its object is the same for every
    // firmware of one core: compiled once, copied after.
    String key = spec.mainClass() + " " + String.join(" ", flags);
    Path program = objects.resolve("all.o");
    byte[] compiled = PROGRAM_OBJECTS.get(key);
    if (compiled == null) {
      compiles.add(compile(gcc, flags, List.of("-w"), teavm.resolve("all.c"), objects));
    } else {
      Files.write(program, compiled);
    }
    for (String source : BSP_SOURCES) {
      compiles.add(compile(gcc, flags, List.of("-Wall", "-Wextra", "-Werror"),
          board.resolve(source), objects));
    }
    compiles.add(
        compile(gcc, flags, List.of("-I" + dir.resolve("payload")),
            dir.resolve("payload/payload.S"), objects));
    runAll(compiles, dir);
    PROGRAM_OBJECTS.putIfAbsent(key, Files.readAllBytes(program));
    List<String> link = new ArrayList<>(List.of(gcc.toString()));
    link.addAll(flags);
    link.addAll(
        List.of("-T", script.toString(), "-nostartfiles", "--specs=nano.specs",
            // -Xlinker, not -Wl,: a comma in the folder's name would split the option.
            "--specs=nosys.specs", "-Wl,--gc-sections", "-Xlinker", "-Map=" + dir.resolve("firmware.map"),
            "-o", dir.resolve(FirmwareManifest.ELF).toString()));
    try (var files = Files.list(objects)) {
      files.sorted().forEach(o -> link.add(o.toString()));
    }
    link.add("-lm");
    Result result = run(link, dir);
    if (result.code() != 0) {
      throw linkFailure(result.output(), spec);
    }
  }

  private static List<String> compile(
      Path gcc, List<String> flags, List<String> extra, Path source, Path objects) {
    List<String> command = new ArrayList<>(List.of(gcc.toString()));
    command.addAll(flags);
    command.addAll(extra);
    String name = source.getFileName().toString();
    command.addAll(List.of("-c", source.toString(), "-o",
        objects.resolve(name.substring(0, name.lastIndexOf('.')) + ".o").toString()));
    return command;
  }

  /** Compiles on every core; TeaVM's all.c takes the longest, so it starts first. */
  private static void runAll(List<List<String>> commands, Path dir) {
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
    try {
      List<Future<Result>> results = new ArrayList<>();
      for (List<String> command : commands) {
        results.add(pool.submit(() -> run(command, dir)));
      }
      for (int i = 0; i < results.size(); i++) {
        Result result = results.get(i).get();
        if (result.code() != 0) {
          throw new FirmwareException(
              "arm-none-eabi-gcc failed on " + commands.get(i).get(commands.get(i).size() - 3)
                  + ": " + firstLines(result.output()));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FirmwareException("interrupted while compiling the firmware", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new FirmwareException("cannot run arm-none-eabi-gcc: " + e.getCause().getMessage(), e);
    } finally {
      pool.shutdownNow();
    }
  }

  /** ld's "region overflowed" in the board's terms; other link errors as ld says them. */
  private static FirmwareException linkFailure(String output, FirmwareSpec spec) {
    Matcher overflow = OVERFLOW.matcher(output);
    if (overflow.find()) {
      String region = overflow.group(1);
      long bytes = Long.parseLong(overflow.group(2));
      long capacity =
          region.equals("RAM") ? spec.layout().ramBytes() : spec.layout().flashBytes();
      return new FirmwareException(
          String.format(
              Locale.ROOT,
              "the firmware does not fit %s's %s: it needs %,d bytes more than the %,d bytes"
                  + " the firmware may use",
              spec.board().id(),
              region.equals("RAM") ? "RAM" : "flash",
              bytes,
              capacity));
    }
    return new FirmwareException("linking the firmware failed: " + firstLines(output));
  }

  private static String firstLines(String output) {
    return output.lines().limit(5).collect(Collectors.joining(" | "));
  }

  record Result(int code, String output) {}

  static Result run(List<String> command, Path dir) throws IOException {
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), UTF_8);
    try {
      return new Result(process.waitFor(), output);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new FirmwareException("interrupted while running " + command.get(0), e);
    }
  }

  private static FirmwareManifest manifest(FirmwareSpec spec) {
    return new FirmwareManifest(
        spec.board().id(),
        spec.board().firmware().qemuMachine(),
        spec.board().firmware().gccCpu(),
        spec.layout(),
        modelName(spec.image()),
        spec.image().length,
        sha256(spec.image()),
        spec.training().count(),
        spec.heldOut().count(),
        spec.agent());
  }

  private static String modelName(byte[] image) {
    var decoder = new dev.spela.protocols.image.ModelImageDecoder()
        .wrap(image, 0, ImageSignature.modelLength(image, image.length));
    StringBuilder name = new StringBuilder().append(decoder.inputSize());
    for (int k = 0; k < decoder.layerCount(); k++) {
      name.append('-').append(decoder.outputs(k));
    }
    return name.toString();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
