package dev.spela.boards;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One board: its processor, memories, the share of them the system keeps, the buffers the device's
 * MQTT protocol uses, and how fast it multiplies. Read from a JSON profile (boards/BOARDS.md gives
 * the format); every figure is checked when the profile is read.
 *
 * @param id short lower-case name used on the command line, also the profile's file name
 * @param clockHz core clock the runtime runs at
 * @param sramBytes on-chip SRAM, all regions
 * @param flashBytes flash holding firmware and model images
 * @param flashExternal true for an external (QSPI/SPI) flash chip, false for on-chip flash
 * @param flashSectorBytes erase sector size where the image slots live; slots are rounded up to it
 * @param macsPerCycle sustained 16-bit multiply-accumulates per cycle of a dense layer's loop
 * @param macsPerCycleBasis why {@code macsPerCycle} has that value
 * @param reservedRam SRAM the runtime cannot have: RTOS, network stack, unusable regions (not the
 *     VM: {@code jvm}, or the firmware's measured overhead)
 * @param jvm what an embedded JVM running the runtime costs in RAM (the embedded-JVM target)
 * @param reservedFlash flash the firmware occupies: bootloader, stacks, VM, application
 * @param protocolBuffers the device protocol's own buffers, allocated next to the runtime
 * @param firmware how the firmware target is built and emulated for this board
 * @param sources datasheets and manuals the figures come from, with sections
 * @param notes caveats a planner should know
 */
public record BoardProfile(
    String id,
    String name,
    String core,
    long clockHz,
    long sramBytes,
    long flashBytes,
    boolean flashExternal,
    long flashSectorBytes,
    double macsPerCycle,
    String macsPerCycleBasis,
    List<Reservation> reservedRam,
    Jvm jvm,
    List<Reservation> reservedFlash,
    ProtocolBuffers protocolBuffers,
    Firmware firmware,
    List<String> sources,
    String notes) {

  /** Ids are what users type: lower-case letters, digits and dashes. */
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]*");

  /** Jackson's wording for an absent field, whose name it gives no other way. */
  private static final Pattern MISSING =
      Pattern.compile("Missing (?:required )?creator property '([^']+)'");

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(
              DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES,
              DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES,
              DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
              DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .build();

  /** A share of a memory set aside for something other than the model, with its justification. */
  public record Reservation(String item, long bytes, String basis) {
    public Reservation {
      requireText("item", item);
      requireText("basis", basis);
      if (bytes < 0) {
        throw new IllegalArgumentException(
            "reservation '" + item + "' has negative bytes: " + bytes);
      }
    }
  }

  /**
   * An embedded JVM's RAM besides the runtime's arrays (the embedded-JVM target of the plan): its
   * engine, one Java thread stack, the application's other objects, and a header on every object
   * and array the runtime allocates.
   */
  public record Jvm(
      long engineRamBytes,
      long javaStackBytes,
      long applicationObjectsBytes,
      int objectHeaderBytes,
      int arrayHeaderBytes,
      String basis) {
    public Jvm {
      requireNonNegative("engineRamBytes", engineRamBytes);
      requireNonNegative("javaStackBytes", javaStackBytes);
      requireNonNegative("applicationObjectsBytes", applicationObjectsBytes);
      requireNonNegative("objectHeaderBytes", objectHeaderBytes);
      requireNonNegative("arrayHeaderBytes", arrayHeaderBytes);
      requireText("basis", basis);
    }

    /** RAM that does not depend on the model: engine, stack, the application's other objects. */
    public long fixedBytes() {
      return engineRamBytes + javaStackBytes + applicationObjectsBytes;
    }
  }

  /**
   * The firmware target: the QEMU machine that stands for the board and the core gcc compiles for
   * (boards/BOARDS.md, "Emulated boards").
   */
  public record Firmware(String qemuMachine, String gccCpu, String basis) {
    /** The QEMU machines the firmware's board-support code knows (boards/firmware). */
    public static final List<String> MACHINES = List.of("mps2-an385", "mps2-an386", "mps2-an500");

    public Firmware {
      if (!MACHINES.contains(qemuMachine)) {
        throw new IllegalArgumentException(
            "firmware.qemuMachine must be one of " + MACHINES + ", got '" + qemuMachine + "'");
      }
      requireText("gccCpu", gccCpu);
      requireText("basis", basis);
    }
  }

  /**
   * Buffers of the device's MQTT protocol: one image block (images are pulled block by block into a
   * flash slot) and one encoded telemetry message.
   */
  public record ProtocolBuffers(int imageBlockBytes, int telemetryBytes, String basis) {
    /** Block sizes are powers of two, as in AWS IoT OTA and mcumgr, within these bounds. */
    public static final int MIN_BLOCK = 256;

    public static final int MAX_BLOCK = 65536;

    public ProtocolBuffers {
      if (imageBlockBytes < MIN_BLOCK
          || imageBlockBytes > MAX_BLOCK
          || Integer.bitCount(imageBlockBytes) != 1) {
        throw new IllegalArgumentException(
            "imageBlockBytes must be a power of two from "
                + MIN_BLOCK
                + " to "
                + MAX_BLOCK
                + ", got "
                + imageBlockBytes);
      }
      requirePositive("telemetryBytes", telemetryBytes);
      requireText("basis", basis);
    }

    public long bytes() {
      return (long) imageBlockBytes + telemetryBytes;
    }
  }

  public BoardProfile {
    requireText("id", id);
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "id must be lower-case letters, digits and dashes, got '" + id + "'");
    }
    requireText("name", name);
    requireText("core", core);
    requirePositive("clockHz", clockHz);
    requirePositive("sramBytes", sramBytes);
    requirePositive("flashBytes", flashBytes);
    if (flashSectorBytes <= 0
        || Long.bitCount(flashSectorBytes) != 1
        || flashSectorBytes > flashBytes) {
      throw new IllegalArgumentException(
          "flashSectorBytes must be a power of two no larger than the flash, got "
              + flashSectorBytes);
    }
    // Finite and in a range any real core can reach; NaN fails the comparison.
    if (!(macsPerCycle > 0 && macsPerCycle <= 64)) {
      throw new IllegalArgumentException(
          "macsPerCycle must be a number above 0 and at most 64, got " + macsPerCycle);
    }
    requireText("macsPerCycleBasis", macsPerCycleBasis);
    reservedRam = List.copyOf(reservedRam);
    reservedFlash = List.copyOf(reservedFlash);
    if (sum(reservedRam) >= sramBytes) {
      throw new IllegalArgumentException(
          "reservedRam (" + sum(reservedRam) + " bytes) leaves no SRAM of " + sramBytes);
    }
    if (sum(reservedFlash) >= flashBytes) {
      throw new IllegalArgumentException(
          "reservedFlash (" + sum(reservedFlash) + " bytes) leaves no flash of " + flashBytes);
    }
    sources = List.copyOf(sources);
    if (sources.isEmpty() || sources.stream().anyMatch(String::isBlank)) {
      throw new IllegalArgumentException("sources must list at least one non-blank source");
    }
    notes = notes.strip();
  }

  /** SRAM the system keeps: the sum of {@link #reservedRam}. */
  public long reservedRamBytes() {
    return sum(reservedRam);
  }

  /** Flash the firmware keeps: the sum of {@link #reservedFlash}. */
  public long reservedFlashBytes() {
    return sum(reservedFlash);
  }

  public long clockMHz() {
    return clockHz / 1_000_000;
  }

  /**
   * Reads a profile from a file.
   *
   * @throws BoardProfileException naming the file and the problem, on one line
   */
  public static BoardProfile read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return read(file.toString(), in);
    } catch (IOException e) {
      throw new BoardProfileException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a profile from a stream; {@code source} names it in error messages. If the source ends in
   * {@code .json}, its base name must equal the profile's id.
   *
   * @throws BoardProfileException naming the source and the problem, on one line
   */
  public static BoardProfile read(String source, InputStream in) {
    BoardProfile profile;
    try {
      profile = MAPPER.readValue(in, BoardProfile.class);
    } catch (JsonProcessingException e) {
      throw new BoardProfileException(source + ": " + describe(e) + where(e), e);
    } catch (IOException e) {
      throw new BoardProfileException(source + ": cannot read: " + e.getMessage(), e);
    }
    if (profile == null) {
      throw new BoardProfileException(source + ": empty profile");
    }
    String fileName = Path.of(source).getFileName().toString();
    if (fileName.endsWith(".json") && !fileName.equals(profile.id() + ".json")) {
      throw new BoardProfileException(
          source
              + ": a profile file must be named after its id: expected "
              + profile.id()
              + ".json");
    }
    return profile;
  }

  /** Jackson's problem in the profile's own terms: which field, what is wrong. */
  private static String describe(JsonProcessingException e) {
    if (e instanceof ValueInstantiationException && e.getCause() != null) {
      return e.getCause().getMessage(); // a check in a constructor above; it names the field
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      return "unknown field '" + unknown.getPropertyName() + "'";
    }
    String message = e.getOriginalMessage().replace('\n', ' ');
    Matcher missing = MISSING.matcher(message);
    if (missing.lookingAt()) {
      return "missing field '" + missing.group(1) + "'";
    }
    if (e instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
      return "field '" + path(mismatch) + "' must be " + kind(mismatch.getTargetType());
    }
    return message;
  }

  private static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference reference : e.getPath()) {
      if (reference.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
      } else {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  private static String kind(Class<?> type) {
    if (type == long.class || type == int.class) {
      return "a whole number";
    } else if (type == double.class) {
      return "a number";
    } else if (type == boolean.class) {
      return "true or false";
    } else if (type == String.class) {
      return "a string";
    } else if (type != null && List.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "an object";
  }

  private static String where(JsonProcessingException e) {
    return e.getLocation() == null
        ? ""
        : " (line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr()
            + ")";
  }

  private static long sum(List<Reservation> reservations) {
    long total = 0;
    for (Reservation r : reservations) {
      total += r.bytes();
    }
    return total;
  }

  private static void requireText(String field, String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
  }

  private static void requireNonNegative(String field, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must not be negative, got " + value);
    }
  }

  private static void requirePositive(String field, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be positive, got " + value);
    }
  }
}
