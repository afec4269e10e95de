package dev.spela.fleet.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.boards.device.Names;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.SecureClaim;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The host's claim crypto (JDK) and the device's ({@link SecureClaim}, subset Java) agree, and both
 * reproduce the golden vectors of PROTOCOL.md section 15.
 */
class ClaimCryptoTest {

  static final byte[] BATCH_SECRET = "batch-7-secret".getBytes(StandardCharsets.US_ASCII);
  static final String CLAIM_ID = "SN-000417";
  static final String DEVICE_ID = "dev-9f2kq4m7x1c8b3zt5wvd";
  static final String PASSWORD = "7f3a9c1e5b2d8f4a6c0e1b3d5f7a9c2e";
  static final byte[] HOST_KEY =
      HexFormat.of().parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

  static byte[] sequence(int first, int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (first + i);
    }
    return bytes;
  }

  /** The device's random bytes of the example: private key 01..20, nonce a0..af. */
  static byte[] deviceRandom() {
    byte[] random = new byte[SecureClaim.RANDOM_LENGTH];
    System.arraycopy(sequence(0x01, 32), 0, random, 0, 32);
    System.arraycopy(sequence(0xa0, 16), 0, random, 32, 16);
    return random;
  }

  /** The host's ephemeral key pair of the example: private key 41..60. */
  static KeyPair hostKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("X25519");
    generator.initialize(
        NamedParameterSpec.X25519,
        new SecureRandom() {
          @Override
          public void nextBytes(byte[] bytes) {
            System.arraycopy(sequence(0x41, bytes.length), 0, bytes, 0, bytes.length);
          }
        });
    return generator.generateKeyPair();
  }

  private static SecureClaim device(byte[] claim) {
    SecureClaim device = new SecureClaim();
    byte[] unitKey = new byte[32];
    device.deriveUnitKey(BATCH_SECRET, 0, BATCH_SECRET.length, Names.of(CLAIM_ID), unitKey, 0);
    device.useUnitKey(unitKey, 0, new byte[32], 0);
    assertEquals(
        SecureClaim.CLAIM_LENGTH,
        device.encodeClaim(
            claim, 0, Names.of(CLAIM_ID), Names.of("virtual-m4"), deviceRandom(), 0));
    return device;
  }

  @Test
  void hostAndDeviceDeriveTheSameKeysAndTheGoldenVectors() throws Exception {
    byte[] unitKey = ClaimCrypto.unitKey(BATCH_SECRET, CLAIM_ID);
    byte[] deviceUnitKey = new byte[32];
    byte[] devicePassword = new byte[32];
    SecureClaim device = new SecureClaim();
    device.deriveUnitKey(
        BATCH_SECRET, 0, BATCH_SECRET.length, Names.of(CLAIM_ID), deviceUnitKey, 0);
    device.useUnitKey(deviceUnitKey, 0, devicePassword, 0);
    assertArrayEquals(unitKey, deviceUnitKey);
    assertEquals(
        ClaimCrypto.claimPassword(unitKey), new String(devicePassword, StandardCharsets.US_ASCII));

    byte[] claim = new byte[SecureClaim.CLAIM_LENGTH];
    SecureClaim claimant = device(claim);
    assertTrue(ClaimCrypto.claimMacMatches(unitKey, claim));
    byte[] credentials =
        ClaimCrypto.credentials(DEVICE_ID, "lab", PASSWORD, sequence(0x80, 32), HOST_KEY);
    byte[] reply = ClaimCrypto.reply(unitKey, claim, hostKeys(), SecureClaim.ACCEPTED, credentials);

    assertEquals(HexFormat.of().formatHex(block("sealed-claim")), HexFormat.of().formatHex(claim));
    assertEquals(
        HexFormat.of().formatHex(block("sealed-claim-reply")), HexFormat.of().formatHex(reply));

    assertEquals(FleetStatus.OK, claimant.openReply(reply, 0, reply.length));
    assertTrue(claimant.accepted());
    Name name = new Name();
    claimant.deviceId(name);
    assertEquals(DEVICE_ID, Names.toString(name));
    byte[] out = new byte[32];
    claimant.password(out, 0);
    assertEquals(PASSWORD, new String(out, StandardCharsets.US_ASCII));
    claimant.hostKey(out, 0);
    assertArrayEquals(HOST_KEY, out);
  }

  @Test
  void onlyTheClaimantOpensAndNobodyAltersTheReply() throws Exception {
    byte[] unitKey = ClaimCrypto.unitKey(BATCH_SECRET, CLAIM_ID);
    byte[] claim = new byte[SecureClaim.CLAIM_LENGTH];
    device(claim);
    byte[] credentials =
        ClaimCrypto.credentials(DEVICE_ID, "lab", PASSWORD, sequence(0x80, 32), HOST_KEY);
    byte[] reply = ClaimCrypto.reply(unitKey, claim, hostKeys(), SecureClaim.ACCEPTED, credentials);
    for (int i = 0; i < reply.length; i += 5) {
      byte[] altered = reply.clone();
      altered[i] ^= 0x01;
      SecureClaim claimant = device(new byte[SecureClaim.CLAIM_LENGTH]);
      assertTrue(claimant.openReply(altered, 0, altered.length) != FleetStatus.OK, "byte " + i);
    }
    // Another claim (another ephemeral key and nonce) cannot open it, nor can a wrong unit key make
    // one.
    SecureClaim other = new SecureClaim();
    other.useUnitKey(unitKey, 0, new byte[32], 0);
    byte[] random = deviceRandom();
    random[5] ^= 1; // (bits 0-2 of byte 0 are cleared by clamping: flip one that counts)
    other.encodeClaim(
        new byte[SecureClaim.CLAIM_LENGTH], 0, Names.of(CLAIM_ID), Names.of("b"), random, 0);
    assertEquals(FleetStatus.BAD_MAC, other.openReply(reply, 0, reply.length));
    byte[] forged =
        ClaimCrypto.reply(
            ClaimCrypto.unitKey("another batch".getBytes(StandardCharsets.US_ASCII), CLAIM_ID),
            claim,
            hostKeys(),
            SecureClaim.ACCEPTED,
            credentials);
    assertEquals(
        FleetStatus.BAD_MAC,
        device(new byte[SecureClaim.CLAIM_LENGTH]).openReply(forged, 0, forged.length));
    // A refusal is genuine too, and carries nothing.
    byte[] refusal = ClaimCrypto.reply(unitKey, claim, hostKeys(), SecureClaim.REFUSED, null);
    SecureClaim refused = device(new byte[SecureClaim.CLAIM_LENGTH]);
    assertEquals(FleetStatus.OK, refused.openReply(refusal, 0, refusal.length));
    assertFalse(refused.accepted());
    assertFalse(ClaimCrypto.claimMacMatches(ClaimCrypto.unitKey(BATCH_SECRET, "SN-000418"), claim));
  }

  /** The bytes of the fenced block {@code ```hex <name>} in PROTOCOL.md (after its topic line). */
  static byte[] block(String name) throws Exception {
    List<String> lines =
        Files.readAllLines(Path.of("..", "protocols", "PROTOCOL.md"), StandardCharsets.UTF_8);
    int start = lines.indexOf("```hex " + name);
    assertTrue(start >= 0, "PROTOCOL.md has no ```hex " + name + " block");
    StringBuilder hex = new StringBuilder();
    for (int k = start + 2; !lines.get(k).equals("```"); k++) {
      hex.append(lines.get(k).substring(6).replace(" ", ""));
    }
    return HexFormat.of().parseHex(hex);
  }
}
