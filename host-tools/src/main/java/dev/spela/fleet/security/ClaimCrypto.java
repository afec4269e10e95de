package dev.spela.fleet.security;

import dev.spela.protocols.fleet.SecureClaim;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The host's half of the v2 claim (PROTOCOL.md section 15), with the JDK's X25519 and HMAC-SHA256:
 * an implementation independent of the device's {@link SecureClaim}, so each checks the other.
 * Layouts and offsets are {@link SecureClaim}'s.
 */
public final class ClaimCrypto {

  private static final byte[] UNIT_KEY_LABEL = ascii("spela/v2 unit key");
  private static final byte[] PASSWORD_LABEL = ascii("spela/v2 claim password");
  private static final byte[] REPLY_LABEL = ascii("spela/v2 claim reply");
  private static final int NAME_FIELD = 32;

  private ClaimCrypto() {}

  /** The unit's claim key: HMAC-SHA256(batch secret, "spela/v2 unit key" || claim id field). */
  public static byte[] unitKey(byte[] batchSecret, String claimId) {
    return hmac(batchSecret, UNIT_KEY_LABEL, nameField(claimId));
  }

  /** The claim account's broker password (32 hex digits), derived from the unit key. */
  public static String claimPassword(byte[] unitKey) {
    return HexFormat.of().formatHex(Arrays.copyOf(hmac(unitKey, PASSWORD_LABEL), 16));
  }

  /** Whether the CLAIM's MAC (over body bytes [0, 112)) was made with {@code unitKey}. */
  public static boolean claimMacMatches(byte[] unitKey, byte[] claim) {
    int body = SecureClaim.HEADER_LENGTH;
    byte[] expected =
        hmac(unitKey, Arrays.copyOfRange(claim, body, body + SecureClaim.CLAIM_MAC_OFFSET));
    byte[] actual =
        Arrays.copyOfRange(
            claim, body + SecureClaim.CLAIM_MAC_OFFSET, body + SecureClaim.CLAIM_BODY_LENGTH);
    return MessageDigest.isEqual(expected, actual);
  }

  /** The 160-byte credential block of an accepted reply. */
  public static byte[] credentials(
      String deviceId, String group, String password, byte[] deviceKey, byte[] hostKey) {
    byte[] passwordBytes = password.getBytes(StandardCharsets.US_ASCII);
    if (passwordBytes.length != SecureClaim.PASSWORD_LENGTH
        || deviceKey.length != 32
        || hostKey.length != 32) {
      throw new IllegalArgumentException("password must be 32 characters, keys 32 bytes");
    }
    ByteBuffer block = ByteBuffer.allocate(SecureClaim.CREDENTIALS_LENGTH);
    block
        .put(nameField(deviceId))
        .put(nameField(group))
        .put(passwordBytes)
        .put(deviceKey)
        .put(hostKey);
    return block.array();
  }

  /**
   * A CLAIM_REPLY to {@code claim}: {@code status} ({@link SecureClaim#ACCEPTED} with {@code
   * credentials}, or {@link SecureClaim#REFUSED} with none), encrypted to the claim's ephemeral key
   * with the host's ephemeral key pair, and authenticated with keys derived from the unit key.
   *
   * @throws GeneralSecurityException if the claim's key is not a usable X25519 key (small order)
   */
  public static byte[] reply(
      byte[] unitKey, byte[] claim, KeyPair hostEphemeral, int status, byte[] credentials)
      throws GeneralSecurityException {
    int claimBody = SecureClaim.HEADER_LENGTH;
    byte[] nonce =
        Arrays.copyOfRange(
            claim,
            claimBody + SecureClaim.CLAIM_NONCE_OFFSET,
            claimBody + SecureClaim.CLAIM_NONCE_OFFSET + SecureClaim.NONCE_LENGTH);
    byte[] devicePublic =
        Arrays.copyOfRange(
            claim,
            claimBody + SecureClaim.DEVICE_PUBLIC_OFFSET,
            claimBody + SecureClaim.DEVICE_PUBLIC_OFFSET + 32);
    byte[] hostPublic = rawPublicKey(hostEphemeral.getPublic());
    KeyAgreement agreement = KeyAgreement.getInstance("X25519");
    agreement.init(hostEphemeral.getPrivate());
    agreement.doPhase(publicKey(devicePublic), true);
    byte[] shared = agreement.generateSecret();
    byte[] prk = hmac(unitKey, shared);
    byte[] info = concat(REPLY_LABEL, nonce, devicePublic, hostPublic);
    byte[] stream = expand(prk, info, 32 + SecureClaim.CREDENTIALS_LENGTH);

    ByteBuffer reply = ByteBuffer.allocate(SecureClaim.REPLY_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    reply
        .put((byte) SecureClaim.VERSION)
        .put((byte) SecureClaim.REPLY_TYPE)
        .put((byte) 0)
        .put((byte) 0)
        .putInt(0)
        .putInt(SecureClaim.REPLY_BODY_LENGTH);
    reply.putShort((short) status).putShort((short) 0).put(nonce).put(hostPublic);
    byte[] plain =
        status == SecureClaim.ACCEPTED ? credentials : new byte[SecureClaim.CREDENTIALS_LENGTH];
    for (int i = 0; i < plain.length; i++) {
      reply.put((byte) (plain[i] ^ stream[32 + i]));
    }
    byte[] body =
        Arrays.copyOfRange(
            reply.array(),
            SecureClaim.HEADER_LENGTH,
            SecureClaim.HEADER_LENGTH + SecureClaim.REPLY_MAC_OFFSET);
    reply.put(hmac(Arrays.copyOf(stream, 32), body));
    return reply.array();
  }

  /** The raw 32-byte (little-endian u) form of an X25519 public key. */
  public static byte[] rawPublicKey(PublicKey key) {
    BigInteger u = ((XECPublicKey) key).getU();
    byte[] raw = new byte[32];
    for (int i = 0; i < 32; i++) {
      raw[i] = u.shiftRight(8 * i).byteValue();
    }
    return raw;
  }

  private static PublicKey publicKey(byte[] raw) throws GeneralSecurityException {
    byte[] bigEndian = new byte[33];
    for (int i = 0; i < 32; i++) {
      bigEndian[32 - i] = raw[i];
    }
    bigEndian[1] &= 0x7F; // RFC 7748: the top bit of u is ignored
    return KeyFactory.getInstance("X25519")
        .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(bigEndian)));
  }

  /** HKDF-Expand (RFC 5869) with HMAC-SHA256. */
  private static byte[] expand(byte[] prk, byte[] info, int length) {
    byte[] out = new byte[length];
    byte[] previous = new byte[0];
    for (int i = 0, at = 0; at < length; i++, at += 32) {
      previous = hmac(prk, previous, info, new byte[] {(byte) (i + 1)});
      System.arraycopy(previous, 0, out, at, Math.min(32, length - at));
    }
    return out;
  }

  static byte[] hmac(byte[] key, byte[]... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      for (byte[] part : parts) {
        mac.update(part);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }

  /** A name as PROTOCOL.md writes it in a body: its bytes, then zeros up to 32. */
  static byte[] nameField(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length == 0 || bytes.length > NAME_FIELD) {
      throw new IllegalArgumentException("a name has 1 to 32 bytes: '" + name + "'");
    }
    return Arrays.copyOf(bytes, NAME_FIELD);
  }

  private static byte[] concat(byte[]... parts) {
    ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
    for (byte[] part : parts) {
      all.put(part);
    }
    return all.array();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
