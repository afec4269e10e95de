package dev.spela.fleet.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The devices a fleet has provisioned (file {@code devices} in the fleet folder, mode 0600): claim
 * id, device id, group and the device key, one line each. The host needs the device key in clear to
 * authenticate its messages to the device; the broker password is not here (only its hash, in
 * {@link FleetAccounts}). Written whole and atomically, like every file of the fleet folder.
 */
public final class DeviceRegistry {

  /** A provisioned device. */
  public record Device(String claimId, String deviceId, String group, byte[] deviceKey) {}

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private final Path file;
  private final Map<String, Device> byClaim = new LinkedHashMap<>();

  private DeviceRegistry(Path file) {
    this.file = file;
  }

  public static DeviceRegistry open(Path file) throws IOException {
    DeviceRegistry registry = new DeviceRegistry(file);
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.trim().split(" +");
        if (f.length != 4) {
          throw new IOException(
              file + ": expected 'claimId deviceId group deviceKey', got '" + line + "'");
        }
        registry.byClaim.put(f[0], new Device(f[0], f[1], f[2], HexFormat.of().parseHex(f[3])));
      }
    }
    return registry;
  }

  /**
   * A device id nobody can guess or enumerate: {@code dev-} and 20 characters of {@code a-z2-7}
   * (100 random bits). Claim ids never start with {@code dev-}, so the two never collide.
   */
  public static String newDeviceId() {
    StringBuilder id = new StringBuilder("dev-");
    for (int i = 0; i < 20; i++) {
      id.append(BASE32[RANDOM.nextInt(BASE32.length)]);
    }
    return id.toString();
  }

  /** Every provisioned device. */
  public synchronized List<Device> all() {
    return List.copyOf(byClaim.values());
  }

  public synchronized Optional<Device> byClaim(String claimId) {
    return Optional.ofNullable(byClaim.get(claimId));
  }

  /**
   * Issues credentials to a claim id: its device id (the one it had, or a new random one) with a
   * new random device key; saved before it is returned.
   */
  public synchronized Device issue(String claimId, String group) throws IOException {
    Device known = byClaim.get(claimId);
    return save(
        new Device(
            claimId,
            known != null ? known.deviceId() : newDeviceId(),
            known != null ? known.group() : group,
            newDeviceKey()));
  }

  /**
   * Registers a device the fleet's owner names and sets up on this machine (no claim: {@code spela
   * device run --id}, the demo), under its own id as claim id, with a new random device key.
   */
  public synchronized Device enrol(String deviceId, String group) throws IOException {
    Device known = byClaim.get(deviceId);
    if (known != null && !known.deviceId().equals(deviceId)) {
      throw new IllegalArgumentException("'" + deviceId + "' is the claim id of device " + known.deviceId());
    }
    return save(new Device(deviceId, deviceId, group, newDeviceKey()));
  }

  /** The device with this device id, if the fleet provisioned it. */
  public synchronized Optional<Device> byDevice(String deviceId) {
    return byClaim.values().stream().filter(d -> d.deviceId().equals(deviceId)).findFirst();
  }

  /** Forgets a device and its key; saved before it returns. False if it was not there. */
  public synchronized boolean remove(String deviceId) throws IOException {
    Optional<Device> device = byDevice(deviceId);
    if (device.isEmpty()) {
      return false;
    }
    byClaim.remove(device.get().claimId());
    write();
    return true;
  }

  private static byte[] newDeviceKey() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return key;
  }

  private Device save(Device device) throws IOException {
    byClaim.put(device.claimId(), device);
    write();
    return device;
  }

  private void write() throws IOException {
    StringBuilder text =
        new StringBuilder(
            "# spela provisioned devices: claimId deviceId group deviceKey (secret)\n");
    for (Device d : byClaim.values()) {
      text.append(d.claimId())
          .append(' ')
          .append(d.deviceId())
          .append(' ')
          .append(d.group())
          .append(' ')
          .append(HexFormat.of().formatHex(d.deviceKey()))
          .append('\n');
    }
    SecureFiles.writeAtomically(file, text.toString().getBytes(StandardCharsets.UTF_8), true);
  }
}
