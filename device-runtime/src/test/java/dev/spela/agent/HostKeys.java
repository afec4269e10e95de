package dev.spela.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.Message;
import dev.spela.protocols.fleet.MessageAuthenticator;
import dev.spela.protocols.image.ImageSignature;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Arrays;

/**
 * A host's keys in agent tests (PROTOCOL.md section 5): a device key and an Ed25519 host key pair
 * (the JDK's, as the host tools use), sealing host messages as a host does.
 */
final class HostKeys {

  final byte[] deviceKey = new byte[MessageAuthenticator.KEY_LENGTH];
  final KeyPair hostKey;
  final byte[] hostPublicKey;
  private long counter = 1_700_000_000_000_000L;
  /** Added to the counters it seals: a host program on a clock this far ahead (or behind). */
  long clockOffsetMicros;

  HostKeys(int seed) {
    for (int k = 0; k < deviceKey.length; k++) {
      deviceKey[k] = (byte) (seed + k);
    }
    try {
      hostKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    byte[] encoded = hostKey.getPublic().getEncoded();
    hostPublicKey = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
  }

  /**
   * Seals a host message encoded in a buffer with room for its trailer: MAC with the device key,
   * or for STATE the host key's signature; returns the bytes to deliver.
   */
  byte[] seal(byte[] topic, int topicLength, Message message) {
    assertEquals(FleetStatus.OK, message.authenticate(++counter + clockOffsetMicros));
    if (message.type() == FleetProtocol.HOST_STATE) {
      try {
        Signature signature = Signature.getInstance("Ed25519");
        signature.initSign(hostKey.getPrivate());
        signature.update(topic, 0, topicLength);
        signature.update((byte) 0);
        signature.update(message.buffer(), message.offset(), message.signedLength());
        byte[] tag = signature.sign();
        System.arraycopy(tag, 0, message.buffer(), message.tagOffset(), tag.length);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    } else {
      MessageAuthenticator mac = new MessageAuthenticator();
      assertEquals(FleetStatus.OK, mac.key(deviceKey, 0));
      assertEquals(FleetStatus.OK, mac.seal(topic, 0, topicLength, message));
    }
    return Arrays.copyOfRange(message.buffer(), message.offset(), message.offset() + message.encodedLength());
  }

  /**
   * {@code model} signed with the host key and {@code securityCounter} (MODEL_FORMAT.md, "Signed
   * images"), as the host's ImageSigner does.
   */
  byte[] signImage(byte[] model, int securityCounter) {
    byte[] signed = Arrays.copyOf(model, model.length + ImageSignature.TRAILER_LENGTH);
    ImageSignature.header(securityCounter, hostPublicKey, signed, model.length);
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(hostKey.getPrivate());
      signature.update(MessageDigest.getInstance("SHA-256").digest(model));
      signature.update(signed, model.length, ImageSignature.SIGNATURE_OFFSET);
      byte[] tag = signature.sign();
      System.arraycopy(tag, 0, signed, model.length + ImageSignature.SIGNATURE_OFFSET, tag.length);
      return signed;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether a device message published on {@code topic} carries a valid MAC of the device key. */
  boolean verify(String topic, byte[] payload, Message flyweight) {
    assertEquals(FleetStatus.OK, flyweight.wrap(payload, 0, payload.length));
    MessageAuthenticator mac = new MessageAuthenticator();
    mac.key(deviceKey, 0);
    byte[] t = topic.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    return mac.verify(t, 0, t.length, flyweight) == FleetStatus.OK;
  }
}
