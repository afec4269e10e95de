package dev.spela.fleet.security;

import dev.spela.boards.device.BrokerTrust;
import dev.spela.boards.device.DeviceCredentials;
import dev.spela.fleet.security.FleetAccounts.Account;
import dev.spela.fleet.security.FleetAccounts.Role;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A fleet's folder: its CA and broker certificate ({@link FleetAuthority}), its broker accounts
 * ({@link FleetAccounts}) and the host tools' own password. Everything is created on first use, so
 * the first {@code spela} command that needs security sets the fleet up:
 *
 * <pre>
 * ca.crt, ca.key           the fleet CA (devices and hosts trust only it)
 * broker.crt, broker.key   the broker's certificate, issued by the CA
 * accounts                 broker accounts: username, role, group, PBKDF2 hash
 * host.password            the password of the "host" account, for the host tools
 * host.key, host.pub       the fleet's host key (Ed25519, PROTOCOL.md section 5): signs STATE
 * devices                  provisioned devices: claim id, device id, group, device key
 * </pre>
 *
 * The folder is {@code --fleet DIR}, else {@code $SPELA_FLEET}, else {@code ~/.spela/fleet}; it and
 * its secrets are readable by their owner only.
 */
public final class FleetSecurity {

  public static final String ENVIRONMENT = "SPELA_FLEET";
  public static final String HOST_USERNAME = "host";
  static final String ACCOUNTS = "accounts";
  static final String HOST_PASSWORD = "host.password";
  static final String HOST_KEY_FILE = "host.key";
  static final String HOST_PUBLIC_KEY = "host.pub";
  static final String DEVICES = "devices";
  static final String LOCK = ".lock";
  private static final Object FOLDER_LOCK = new Object();

  private final Path folder;
  private final FleetAuthority authority;
  private final FleetAccounts accounts;

  private FleetSecurity(Path folder, FleetAuthority authority, FleetAccounts accounts) {
    this.folder = folder;
    this.authority = authority;
    this.accounts = accounts;
  }

  /** The fleet folder used when none is given. */
  public static Path defaultFolder() {
    String fromEnvironment = System.getenv(ENVIRONMENT);
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      return Path.of(fromEnvironment);
    }
    return Path.of(System.getProperty("user.home"), ".spela", "fleet");
  }

  /**
   * Opens the fleet folder, creating what is missing; the broker certificate names 127.0.0.1, ::1,
   * localhost and {@code brokerNames}.
   */
  public static FleetSecurity open(Path folder, Collection<String> brokerNames) throws IOException {
    Path absolute = folder.toAbsolutePath();
    boolean created = !Files.isDirectory(absolute);
    Files.createDirectories(absolute);
    if (created) {
      SecureFiles.setMode(absolute, "rwx------");
    }
    FleetSecurity fleet =
        new FleetSecurity(
            absolute,
            FleetAuthority.openOrCreate(absolute, brokerNames),
            FleetAccounts.open(absolute.resolve(ACCOUNTS)));
    fleet.hostPassword(); // creates the host account on first use
    return fleet;
  }

  public static FleetSecurity open(Path folder) throws IOException {
    return open(folder, List.of());
  }

  public Path folder() {
    return folder;
  }

  public FleetAuthority authority() {
    return authority;
  }

  public FleetAccounts accounts() {
    return accounts;
  }

  /** The provisioned devices. */
  public DeviceRegistry devices() throws IOException {
    return DeviceRegistry.open(folder.resolve(DEVICES));
  }

  /** The fleet's host key (Ed25519 key pair), made the first time it is asked for. */
  public synchronized KeyPair hostKey() throws IOException {
    Path privateFile = folder.resolve(HOST_KEY_FILE);
    Path publicFile = folder.resolve(HOST_PUBLIC_KEY);
    if (Files.exists(privateFile) && Files.exists(publicFile)) {
      return new KeyPair(
          FleetAuthority.readPublicKey(publicFile), FleetAuthority.readKey(privateFile));
    }
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      SecureFiles.writeAtomically(privateFile, FleetAuthority.pem(pair.getPrivate()), true);
      SecureFiles.writeAtomically(publicFile, FleetAuthority.pem(pair.getPublic()), false);
      return pair;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot make the fleet's host key: " + e.getMessage(), e);
    }
  }

  /** The raw 32-byte Ed25519 public key devices verify with (the end of its X.509 encoding). */
  public byte[] hostPublicKey() throws IOException {
    byte[] encoded = hostKey().getPublic().getEncoded();
    return Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
  }

  /**
   * Enrols a device the fleet's owner sets up on this machine ({@code spela device run --id}, the
   * demo): a device account with a new random password (replacing any earlier one), a new device
   * key in the registry, and the credentials the device keeps. A device elsewhere is provisioned by
   * claim instead ({@link SecureProvisioner}).
   */
  public DeviceCredentials enrolDevice(String deviceId, String group) throws IOException {
    return whileLocked(() -> {
      DeviceRegistry.Device device = devices().enrol(deviceId, group);
      String password = PasswordHash.newPassword();
      accounts.put(new Account(deviceId, Role.DEVICE, group, PasswordHash.of(password)));
      return new DeviceCredentials(
          deviceId, group, password, device.deviceKey(), hostPublicKey(), authority.caCertificateFile());
    });
  }

  /** What a claim was issued: its device (new device key), a new password, and whether it was known. */
  public record Issued(DeviceRegistry.Device device, String password, boolean known) {}

  /**
   * Issues credentials to a claim id (PROTOCOL.md 15.2): its device id (the one it had, or a new
   * random one), a new device key and a new password, whose account replaces any earlier one.
   */
  public Issued issueToClaim(String claimId, String group) throws IOException {
    return whileLocked(() -> {
      DeviceRegistry registry = devices(); // read now: another process may have added devices
      boolean known = registry.byClaim(claimId).isPresent();
      DeviceRegistry.Device device = registry.issue(claimId, group);
      String password = PasswordHash.newPassword();
      accounts.put(new Account(device.deviceId(), Role.DEVICE, device.group(), PasswordHash.of(password)));
      return new Issued(device, password, known);
    });
  }

  /** What {@link #revoke} removed: the device's account, its claim account, its key. */
  public record Revoked(boolean account, boolean claimAccount, boolean key) {
    public boolean any() {
      return account || claimAccount || key;
    }
  }

  /**
   * Revokes a device (SECURITY.md, "Revoking a device"): removes its broker account and, if it
   * was claimed, its claim account (so the unit cannot claim a new identity), and forgets its
   * device key, so that host tools drop its messages and send it nothing. The embedded broker
   * refuses its next login at once; Mosquitto after its configuration is written again and
   * reloaded.
   */
  public Revoked revoke(String deviceId) throws IOException {
    return whileLocked(() -> {
      DeviceRegistry registry = devices();
      Optional<DeviceRegistry.Device> device = registry.byDevice(deviceId);
      boolean claimAccount = device.isPresent() && !device.get().claimId().equals(deviceId)
          && accounts.remove(device.get().claimId());
      boolean account = accounts.remove(deviceId);
      boolean key = registry.remove(deviceId);
      return new Revoked(account, claimAccount, key);
    });
  }

  /** Work on the fleet folder's files that must not interleave with another writer's. */
  interface FolderWork<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code work} holding the fleet folder's lock: within this JVM (every {@code FleetSecurity}
   * of any folder; enrolments are rare) and across processes (a file lock on {@code .lock}), so that
   * two devices enrolling at once ({@code spela device run} twice) both keep their accounts: the
   * accounts and devices files are each read, changed and replaced as a whole.
   */
  <T> T whileLocked(FolderWork<T> work) throws IOException {
    synchronized (FOLDER_LOCK) {
      try (FileChannel channel = FileChannel.open(folder.resolve(LOCK), StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        return work.run();
      }
    }
  }

  /**
   * The credentials a locally set-up device keeps in {@code stateDir}: the stored ones while the
   * fleet still admits them (same account, password, group, device key and CA), else a new
   * enrolment, stored there atomically. A restarted device thus keeps its password, and a broker
   * that reads the accounts only when told (Mosquitto) needs no reload for it.
   */
  public DeviceCredentials deviceCredentials(String deviceId, String group, Path stateDir)
      throws IOException {
    DeviceCredentials stored = DeviceCredentials.load(stateDir);
    if (stored != null && stillAdmitted(stored, deviceId, group)) {
      return stored;
    }
    return enrolDevice(deviceId, group).store(stateDir);
  }

  private boolean stillAdmitted(DeviceCredentials stored, String deviceId, String group) throws IOException {
    Optional<Account> account = accounts.find(deviceId);
    Optional<DeviceRegistry.Device> registered = devices().byClaim(deviceId);
    return stored.deviceId().equals(deviceId)
        && stored.group().equals(group)
        && account.isPresent()
        && group.equals(account.get().group())
        && PasswordHash.matches(stored.password(), account.get().passwordHash())
        && registered.isPresent()
        && Arrays.equals(registered.get().deviceKey(), stored.deviceKey())
        && Arrays.equals(stored.hostPublicKey(), hostPublicKey())
        && Files.isRegularFile(stored.caCertificate())
        && Arrays.equals(Files.readAllBytes(stored.caCertificate()),
            Files.readAllBytes(authority.caCertificateFile()));
  }

  /**
   * How host tools connect: the host account over TLS trusting the fleet CA, authenticating
   * messages with the fleet's keys.
   */
  public ClientSecurity hostClient() throws IOException {
    return new ClientSecurity(
        HOST_USERNAME,
        hostPassword(),
        BrokerTrust.socketFactory(authority.caCertificateFile()),
        messageKeys());
  }

  /** The host key and the device keys of PROTOCOL.md section 5. */
  public MessageKeys messageKeys() throws IOException {
    return new MessageKeys(hostKey(), folder.resolve(DEVICES));
  }

  /** The host account's password, made (and its hash registered) the first time. */
  private String hostPassword() throws IOException {
    Path file = folder.resolve(HOST_PASSWORD);
    if (Files.exists(file) && accounts.find(HOST_USERNAME).isPresent()) {
      return Files.readString(file, StandardCharsets.US_ASCII).trim();
    }
    String password = PasswordHash.newPassword();
    SecureFiles.writeAtomically(file, (password + "\n").getBytes(StandardCharsets.US_ASCII), true);
    accounts.put(new Account(HOST_USERNAME, Role.HOST, null, PasswordHash.of(password)));
    return password;
  }
}
