package dev.spela.fleet.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashes in Mosquitto's password-file format ({@code mosquitto_passwd}, PBKDF2-SHA512):
 * {@code $7$<iterations>$<base64 salt>$<base64 hash>}, 12-byte salt, 64-byte hash. One format for
 * both brokers: the embedded broker checks passwords against it, and the Mosquitto password file is
 * these strings after {@code username:}. Passwords here are 128-bit random strings, so the
 * iteration count (Mosquitto's default) only has to make offline guessing pointless for weaker
 * ones, not strong ones.
 */
public final class PasswordHash {

  static final int ITERATIONS = 101;
  private static final int SALT_BYTES = 12;
  private static final int HASH_BYTES = 64;
  private static final SecureRandom RANDOM = new SecureRandom();

  private PasswordHash() {}

  public static String of(String password) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    return format(ITERATIONS, salt, pbkdf2(password, salt, ITERATIONS));
  }

  /** Whether {@code password} matches {@code hash}; false for any hash not in the $7$ format. */
  public static boolean matches(String password, String hash) {
    String[] parts = hash.split("\\$", -1);
    if (parts.length != 5 || !parts[0].isEmpty() || !parts[1].equals("7")) {
      return false;
    }
    try {
      int iterations = Integer.parseInt(parts[2]);
      if (iterations < 1 || iterations > 10_000_000) {
        return false;
      }
      byte[] salt = Base64.getDecoder().decode(parts[3]);
      byte[] expected = Base64.getDecoder().decode(parts[4]);
      return MessageDigest.isEqual(expected, pbkdf2(password, salt, iterations));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String format(int iterations, byte[] salt, byte[] hash) {
    Base64.Encoder base64 = Base64.getEncoder();
    return "$7$"
        + iterations
        + "$"
        + base64.encodeToString(salt)
        + "$"
        + base64.encodeToString(hash);
  }

  private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
    // The JDK turns the chars into UTF-8 bytes, as mosquitto_passwd hashes the password's bytes.
    PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BYTES * 8);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA512 is missing from this JDK", e);
    } finally {
      spec.clearPassword();
    }
  }

  /** A new random password: 16 random bytes as 32 lower-case hex digits (128 bits). */
  public static String newPassword() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return java.util.HexFormat.of().formatHex(bytes);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
