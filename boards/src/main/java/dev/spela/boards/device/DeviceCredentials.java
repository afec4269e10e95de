package dev.spela.boards.device;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Properties;

/**
 * What a provisioned device keeps to reach its fleet (SECURITY.md section 4): its device id and
 * group, its broker password, its device key (PROTOCOL.md section 5), the fleet's host public key,
 * and the fleet CA certificate it trusts ({@code ca.crt} beside the credentials). A virtual
 * device's state folder holds them in {@code credentials.properties}, readable by its owner only,
 * written to a new file and moved over the old one: a crash leaves the old credentials or the new.
 */
public record DeviceCredentials(
    String deviceId,
    String group,
    String password,
    byte[] deviceKey,
    byte[] hostPublicKey,
    Path caCertificate) {

  public static final String FILE = "credentials.properties";
  public static final String CA_FILE = "ca.crt";

  /** The credentials stored in {@code dir}, or null if it holds none. */
  public static DeviceCredentials load(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    try {
      return new DeviceCredentials(
          required(p, "device"),
          required(p, "group"),
          required(p, "password"),
          HexFormat.of().parseHex(required(p, "deviceKey")),
          HexFormat.of().parseHex(required(p, "hostKey")),
          dir.resolve(CA_FILE));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Stores these credentials and a copy of the CA certificate in {@code dir}, each atomically;
   * returns them as {@link #load} will read them back.
   */
  public DeviceCredentials store(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path ca = dir.resolve(CA_FILE);
    if (!caCertificate.toAbsolutePath().equals(ca.toAbsolutePath())) {
      writeAtomically(ca, Files.readAllBytes(caCertificate));
    }
    Properties p = new Properties();
    p.setProperty("device", deviceId);
    p.setProperty("group", group);
    p.setProperty("password", password);
    p.setProperty("deviceKey", HexFormat.of().formatHex(deviceKey));
    p.setProperty("hostKey", HexFormat.of().formatHex(hostPublicKey));
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    try (OutputStream out = text) {
      p.store(out, "spela device credentials (secret)");
    }
    writeAtomically(dir.resolve(FILE), text.toByteArray());
    return new DeviceCredentials(deviceId, group, password, deviceKey, hostPublicKey, ca);
  }

  private static void writeAtomically(Path file, byte[] content) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temp);
    Files.createFile(temp);
    try {
      Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the folder's own permissions protect it
    }
    Files.write(temp, content);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String required(Properties p, String key) {
    String value = p.getProperty(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("no " + key);
    }
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeviceCredentials c
        && deviceId.equals(c.deviceId)
        && group.equals(c.group)
        && password.equals(c.password)
        && Arrays.equals(deviceKey, c.deviceKey)
        && Arrays.equals(hostPublicKey, c.hostPublicKey)
        && caCertificate.equals(c.caCertificate);
  }

  @Override
  public int hashCode() {
    return deviceId.hashCode();
  }

  @Override
  public String toString() {
    return "DeviceCredentials[" + group + "/" + deviceId + ", password ****, keys ****]";
  }
}
