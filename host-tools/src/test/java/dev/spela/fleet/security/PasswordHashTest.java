package dev.spela.fleet.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordHashTest {

  @Test
  void hashesAreMosquittoPbkdf2AndCheckPasswords() {
    String password = PasswordHash.newPassword();
    assertTrue(password.matches("[0-9a-f]{32}"), "128 random bits: " + password);
    String hash = PasswordHash.of(password);
    assertTrue(hash.matches("\\$7\\$101\\$[A-Za-z0-9+/]{16}\\$[A-Za-z0-9+/]{86}=="), hash);
    assertTrue(PasswordHash.matches(password, hash));
    assertFalse(PasswordHash.matches(password + "x", hash));
    assertFalse(PasswordHash.matches(password, "$6$abc$def"));
    assertFalse(PasswordHash.matches(password, "garbage"));
  }

  /** mosquitto_passwd (the Debian package .ci/run installs) writes hashes this class accepts. */
  @Test
  void readsWhatMosquittoPasswdWrites(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("passwd");
    Process p =
        new ProcessBuilder(
                "mosquitto_passwd", "-b", "-c", file.toString(), "dev-1", "s3cret-Pässword")
            .redirectErrorStream(true)
            .start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(
        0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    String line = Files.readString(file).trim();
    String hash = line.substring(line.indexOf(':') + 1);
    assertTrue(PasswordHash.matches("s3cret-Pässword", hash), line);
    assertFalse(PasswordHash.matches("s3cret-Password", hash));
  }
}
