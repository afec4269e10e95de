package dev.spela.fleet.security;

import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.Message;
import dev.spela.protocols.fleet.MessageAuthenticator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The keys a host program authenticates fleet messages with (PROTOCOL.md section 5): the fleet's
 * host key, which signs STATE, and each provisioned device's key from the fleet folder's {@code
 * devices} file, re-read when it changes (a device enrolled or claimed while the host runs), and
 * the counter of the messages it sends to devices: its clock in microseconds, {@code max(now, last
 * + 1)}. Thread-safe.
 */
public final class MessageKeys {

  private static final byte[] SEPARATOR = {0};

  private final KeyPair hostKey;
  private final Path registry;
  private final AtomicLong lastCounter = new AtomicLong();
  private Map<String, byte[]> deviceKeys = Map.of();
  private FileTime loaded;

  MessageKeys(KeyPair hostKey, Path registry) {
    this.hostKey = hostKey;
    this.registry = registry;
  }

  /** The counter of the next message to a device: larger than every earlier one of this program. */
  public long nextCounter() {
    long now = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
    return lastCounter.accumulateAndGet(now, (last, clock) -> Math.max(clock, last + 1));
  }

  /**
   * Appends the trailer to a host message just encoded for a device (PROTOCOL.md section 5): the
   * next counter and the MAC with the device's key over {@code topic}, a zero byte and the message.
   *
   * @throws IOException if the fleet has no key for the device (it was never provisioned here)
   */
  public void seal(String topic, String deviceId, Message message) throws IOException {
    byte[] key = deviceKey(deviceId)
        .orElseThrow(() -> new IOException("device " + deviceId + " is not provisioned in this fleet (no device key)"));
    MessageAuthenticator mac = new MessageAuthenticator();
    byte[] t = topic.getBytes(StandardCharsets.US_ASCII);
    if (mac.key(key, 0) != FleetStatus.OK
        || message.authenticate(nextCounter()) != FleetStatus.OK
        || mac.seal(t, 0, t.length, message) != FleetStatus.OK) {
      throw new IllegalArgumentException("cannot seal a message to " + deviceId + ": no room for its trailer");
    }
  }

  /** The Ed25519 signature of a STATE: over the topic, one zero byte and {@code payload[0, length)}. */
  public byte[] sign(byte[] topic, byte[] payload, int length) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(hostKey.getPrivate());
      feed(signature, topic, payload, length);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with the fleet's host key: " + e.getMessage(), e);
    }
  }

  /** {@code image} signed with the fleet's host key (MODEL_FORMAT.md, "Signed images"). */
  public byte[] signImage(byte[] image, long securityCounter) {
    return new ImageSigner(hostKey).sign(image, securityCounter);
  }

  /** Whether {@code tag} (64 bytes from {@code tagOffset}) is the host key's signature of a STATE. */
  public boolean signedByHost(byte[] topic, byte[] payload, int length, int tagOffset) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initVerify(hostKey.getPublic());
      feed(signature, topic, payload, length);
      return signature.verify(payload, tagOffset, FleetProtocol.SIGNATURE_LENGTH);
    } catch (GeneralSecurityException e) {
      return false; // a malformed signature is a wrong one
    }
  }

  private static void feed(Signature signature, byte[] topic, byte[] payload, int length)
      throws GeneralSecurityException {
    signature.update(topic);
    signature.update(SEPARATOR);
    signature.update(payload, 0, length);
  }

  /** The device key of a provisioned device, or empty for a device this fleet does not know. */
  public synchronized Optional<byte[]> deviceKey(String deviceId) {
    try {
      FileTime modified = Files.exists(registry) ? Files.getLastModifiedTime(registry) : null;
      if (modified != null && !modified.equals(loaded)) {
        Map<String, byte[]> keys = new HashMap<>();
        for (DeviceRegistry.Device device : DeviceRegistry.open(registry).all()) {
          keys.put(device.deviceId(), device.deviceKey());
        }
        deviceKeys = keys;
        loaded = modified;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the fleet's device keys: " + e.getMessage(), e);
    }
    return Optional.ofNullable(deviceKeys.get(deviceId));
  }
}
