package dev.spela.boards;

import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.Name;
import java.nio.charset.StandardCharsets;

/** Conversions between Java strings and the protocol's names (1 to 32 of {@code A-Z a-z 0-9 . _ -}). */
public final class Names {

  private Names() {}

  /** The name for {@code value}; throws IllegalArgumentException naming it if it is not valid. */
  public static Name of(String value) {
    Name name = new Name();
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    if (!value.chars().allMatch(c -> c < 128) || name.set(bytes, 0, bytes.length) != FleetStatus.OK) {
      throw new IllegalArgumentException(
          "'" + value + "' is not a valid name: 1 to 32 characters from A-Z a-z 0-9 . _ -");
    }
    return name;
  }

  public static String toString(Name name) {
    byte[] bytes = new byte[name.length()];
    for (int k = 0; k < bytes.length; k++) {
      bytes[k] = (byte) name.byteAt(k);
    }
    return new String(bytes, StandardCharsets.US_ASCII);
  }
}
