package dev.spela.fleet.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The broker accounts of a fleet, in one text file of the fleet folder that both brokers are made
 * from: one line per account, {@code username role group passwordHash}. Only hashes are stored (the
 * broker needs nothing more). Every change writes a new file and moves it over the old one, so a
 * reader (the embedded broker, another {@code spela} process) sees the old or the new accounts,
 * never half of them; {@link #find} re-reads the file when it was replaced.
 */
public final class FleetAccounts {

  /** What an account may do (see {@link FleetPolicy}). */
  public enum Role {
    /** Host tools: every fleet topic. */
    HOST,
    /** One device: its own topics only; its username is its device id. */
    DEVICE,
    /** One unit's claim: its own provisioning request and reply; its username is its claim id. */
    CLAIM
  }

  /** An account: for devices, {@code group} is the device's group; otherwise it is null. */
  public record Account(String username, Role role, String group, String passwordHash) {
    public Account {
      Objects.requireNonNull(username);
      Objects.requireNonNull(role);
      Objects.requireNonNull(passwordHash);
      if (!NAME.matcher(username).matches()) {
        throw new IllegalArgumentException(
            "bad account name '" + username + "': 1 to 32 of A-Z a-z 0-9 . _ -");
      }
      if ((role == Role.DEVICE) != (group != null)) {
        throw new IllegalArgumentException(
            "a device account, and only a device account, has a group");
      }
      if (group != null && !NAME.matcher(group).matches()) {
        throw new IllegalArgumentException("bad group '" + group + "'");
      }
    }
  }

  /** PROTOCOL.md's name alphabet: also keeps MQTT wildcards and '/' out of usernames. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,32}");

  private final Path file;
  private Map<String, Account> accounts = Map.of();
  private Object loadedKey;

  private FleetAccounts(Path file) {
    this.file = file;
  }

  /** The accounts kept in {@code file} (none yet if it does not exist). */
  public static FleetAccounts open(Path file) throws IOException {
    FleetAccounts store = new FleetAccounts(file);
    store.reloadIfChanged();
    return store;
  }

  public Path file() {
    return file;
  }

  /** The account with this username, as the file holds it now. */
  public synchronized Optional<Account> find(String username) throws IOException {
    reloadIfChanged();
    return Optional.ofNullable(accounts.get(username));
  }

  public synchronized List<Account> all() throws IOException {
    reloadIfChanged();
    return List.copyOf(accounts.values());
  }

  /** Adds or replaces an account (a username belongs to one account, whatever its role). */
  public synchronized void put(Account account) throws IOException {
    reloadIfChanged();
    Account existing = accounts.get(account.username());
    if (existing != null && existing.role() != account.role()) {
      throw new IllegalArgumentException(
          "'"
              + account.username()
              + "' is already a "
              + existing.role().name().toLowerCase()
              + " account");
    }
    Map<String, Account> next = new LinkedHashMap<>(accounts);
    next.put(account.username(), account);
    save(next);
  }

  /** Removes an account: the broker refuses it from its next connection on. */
  public synchronized boolean remove(String username) throws IOException {
    reloadIfChanged();
    if (!accounts.containsKey(username)) {
      return false;
    }
    Map<String, Account> next = new LinkedHashMap<>(accounts);
    next.remove(username);
    save(next);
    return true;
  }

  private void save(Map<String, Account> next) throws IOException {
    StringBuilder text =
        new StringBuilder(
            "# spela fleet accounts: username role group password-hash (PBKDF2-SHA512)\n");
    for (Account a : next.values()) {
      text.append(a.username())
          .append(' ')
          .append(a.role())
          .append(' ')
          .append(a.group() == null ? "-" : a.group())
          .append(' ')
          .append(a.passwordHash())
          .append('\n');
    }
    SecureFiles.writeAtomically(file, text.toString().getBytes(StandardCharsets.UTF_8), false);
    accounts = Collections.unmodifiableMap(next);
    loadedKey = key();
  }

  private void reloadIfChanged() throws IOException {
    Object now = key();
    if (Objects.equals(now, loadedKey)) {
      return;
    }
    Map<String, Account> read = new LinkedHashMap<>();
    if (now != null) {
      int lineNumber = 0;
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        lineNumber++;
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.trim().split(" +");
        try {
          if (f.length != 4) {
            throw new IllegalArgumentException("expected 4 fields");
          }
          read.put(
              f[0], new Account(f[0], Role.valueOf(f[1]), f[2].equals("-") ? null : f[2], f[3]));
        } catch (IllegalArgumentException e) {
          throw new IOException(file + " line " + lineNumber + ": " + e.getMessage());
        }
      }
    }
    accounts = Collections.unmodifiableMap(read);
    loadedKey = now;
  }

  /**
   * Identifies the file's current version: every save moves a new file (a new inode) into place.
   */
  private Object key() throws IOException {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return List.of(
          String.valueOf(attributes.fileKey()), attributes.lastModifiedTime(), attributes.size());
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
