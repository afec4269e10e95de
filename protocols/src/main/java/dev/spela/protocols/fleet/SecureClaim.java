package dev.spela.protocols.fleet;

import dev.spela.protocols.checksum.HmacSha256;
import dev.spela.protocols.crypto.X25519;
import dev.spela.protocols.image.LittleEndian;

/**
 * Provisioning by claim with sealed replies (PROTOCOL.md 15.2, a draft), device side: the CLAIM
 * carries an ephemeral X25519 public key and is authenticated with the unit's own claim key; the
 * CLAIM_REPLY's credentials (device id, group, broker password, device key, fleet signing key) are
 * encrypted to that key, so only the claimant reads them, and authenticated, so only a holder of
 * the unit's claim key (the host) can write them.
 *
 * <p>One instance makes one claim at a time: {@link #encodeClaim} keeps the ephemeral private key
 * and the nonce until {@link #openReply} has accepted a reply. Buffers are allocated here once;
 * encoding and opening allocate nothing.
 */
public final class SecureClaim {

  public static final int VERSION = 2;
  public static final int CLAIM_TYPE = 0x07;
  public static final int REPLY_TYPE = 0x85;
  public static final int HEADER_LENGTH = 12;
  public static final int KEY_LENGTH = 32;
  public static final int NONCE_LENGTH = 16;
  public static final int PASSWORD_LENGTH = 32;

  // CLAIM body.
  public static final int CLAIM_ID_OFFSET = 0;
  public static final int BOARD_ID_OFFSET = 32;
  public static final int CLAIM_NONCE_OFFSET = 64;
  public static final int DEVICE_PUBLIC_OFFSET = 80;
  public static final int CLAIM_MAC_OFFSET = 112;
  public static final int CLAIM_BODY_LENGTH = CLAIM_MAC_OFFSET + HmacSha256.MAC_LENGTH;
  public static final int CLAIM_LENGTH = HEADER_LENGTH + CLAIM_BODY_LENGTH;

  // CLAIM_REPLY body.
  public static final int STATUS_OFFSET = 0;
  public static final int REPLY_NONCE_OFFSET = 4;
  public static final int HOST_PUBLIC_OFFSET = 20;
  public static final int SEALED_OFFSET = 52;
  // Credentials, offsets within the sealed (then opened) block.
  public static final int DEVICE_ID_OFFSET = 0;
  public static final int GROUP_OFFSET = 32;
  public static final int PASSWORD_OFFSET = 64;
  public static final int DEVICE_KEY_OFFSET = 96;
  public static final int HOST_KEY_OFFSET = 128;
  public static final int CREDENTIALS_LENGTH = 160;
  public static final int REPLY_MAC_OFFSET = SEALED_OFFSET + CREDENTIALS_LENGTH;
  public static final int REPLY_BODY_LENGTH = REPLY_MAC_OFFSET + HmacSha256.MAC_LENGTH;
  public static final int REPLY_LENGTH = HEADER_LENGTH + REPLY_BODY_LENGTH;

  public static final int ACCEPTED = 0;
  public static final int REFUSED = -1;

  /** Random bytes a claim needs: the ephemeral private key, then the nonce. */
  public static final int RANDOM_LENGTH = KEY_LENGTH + NONCE_LENGTH;

  private static final byte[] UNIT_KEY_LABEL = {
    's', 'p', 'e', 'l', 'a', '/', 'v', '2', ' ', 'u', 'n', 'i', 't', ' ', 'k', 'e', 'y'
  };
  private static final byte[] PASSWORD_LABEL = {
    's', 'p', 'e', 'l', 'a', '/', 'v', '2', ' ', 'c', 'l', 'a', 'i', 'm', ' ', 'p', 'a', 's', 's',
    'w', 'o', 'r', 'd'
  };
  private static final byte[] REPLY_LABEL = {
    's', 'p', 'e', 'l', 'a', '/', 'v', '2', ' ', 'c', 'l', 'a', 'i', 'm', ' ', 'r', 'e', 'p', 'l',
    'y'
  };
  private static final byte[] HEX = {
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'
  };
  private static final int KEY_STREAM_LENGTH = HmacSha256.MAC_LENGTH + CREDENTIALS_LENGTH;

  private final HmacSha256 mac = new HmacSha256();
  private final X25519 x25519 = new X25519();
  private final byte[] unitKey = new byte[KEY_LENGTH];
  private final byte[] privateKey = new byte[KEY_LENGTH];
  private final byte[] publicKey = new byte[KEY_LENGTH];
  private final byte[] nonce = new byte[NONCE_LENGTH];
  private final byte[] scratch = new byte[KEY_LENGTH];
  private final byte[] keyStream = new byte[KEY_STREAM_LENGTH];
  private final byte[] block = new byte[HmacSha256.MAC_LENGTH];
  private final byte[] counter = new byte[1];
  private final byte[] credentials = new byte[CREDENTIALS_LENGTH];
  private final Name name = new Name();
  private boolean pending;
  private boolean accepted;

  /**
   * This unit's claim key, {@code HMAC-SHA256(batchSecret, "spela/v2 unit key" || claimId field)}:
   * what the factory stores in the unit (a unit that leaks it gives away its own claim, not the
   * batch's). The host derives the same from the batch secret.
   */
  public void deriveUnitKey(
      byte[] batchSecret, int offset, int length, Name claimId, byte[] out, int outOffset) {
    mac.key(batchSecret, offset, length);
    mac.update(UNIT_KEY_LABEL, 0, UNIT_KEY_LABEL.length);
    claimId.writeField(scratch, 0);
    mac.update(scratch, 0, Name.FIELD_LENGTH);
    mac.finish(out, outOffset);
  }

  /**
   * Sets the unit's claim key and writes the claim account's broker password to {@code
   * out[outOffset..+32)}: the first 16 bytes of {@code HMAC-SHA256(unitKey, "spela/v2 claim
   * password")} as 32 lower-case hex digits (ASCII).
   */
  public void useUnitKey(byte[] key, int keyOffset, byte[] out, int outOffset) {
    System.arraycopy(key, keyOffset, unitKey, 0, KEY_LENGTH);
    mac.key(unitKey, 0, KEY_LENGTH);
    mac.update(PASSWORD_LABEL, 0, PASSWORD_LABEL.length);
    mac.finish(scratch, 0);
    for (int i = 0; i < PASSWORD_LENGTH / 2; i++) {
      out[outOffset + 2 * i] = HEX[(scratch[i] >> 4) & 0xF];
      out[outOffset + 2 * i + 1] = HEX[scratch[i] & 0xF];
    }
  }

  /**
   * Writes a CLAIM ({@link #CLAIM_LENGTH} bytes) to {@code out[offset..]}, with a new ephemeral key
   * and nonce from {@code random[randomOffset..+48)} (a true random source: the reply's secrecy
   * rests on it). Returns the length written, or {@link FleetStatus#BAD_ARGUMENT}.
   */
  public int encodeClaim(
      byte[] out, int offset, Name claimId, Name boardId, byte[] random, int randomOffset) {
    if (out == null
        || offset < 0
        || out.length - offset < CLAIM_LENGTH
        || claimId.length() == 0
        || boardId.length() == 0) {
      return FleetStatus.BAD_ARGUMENT;
    }
    System.arraycopy(random, randomOffset, privateKey, 0, KEY_LENGTH);
    System.arraycopy(random, randomOffset + KEY_LENGTH, nonce, 0, NONCE_LENGTH);
    x25519.publicKey(publicKey, 0, privateKey, 0);
    writeHeader(out, offset, CLAIM_TYPE, CLAIM_BODY_LENGTH);
    int body = offset + HEADER_LENGTH;
    claimId.writeField(out, body + CLAIM_ID_OFFSET);
    boardId.writeField(out, body + BOARD_ID_OFFSET);
    System.arraycopy(nonce, 0, out, body + CLAIM_NONCE_OFFSET, NONCE_LENGTH);
    System.arraycopy(publicKey, 0, out, body + DEVICE_PUBLIC_OFFSET, KEY_LENGTH);
    mac.key(unitKey, 0, KEY_LENGTH);
    mac.update(out, body, CLAIM_MAC_OFFSET);
    mac.finish(out, body + CLAIM_MAC_OFFSET);
    pending = true;
    accepted = false;
    return CLAIM_LENGTH;
  }

  /**
   * Checks and opens a CLAIM_REPLY to the outstanding claim. Returns {@link FleetStatus#OK} for a
   * genuine reply (then {@link #accepted} tells ACCEPTED from REFUSED, and the accessors read the
   * credentials), or why it was dropped: {@code TRUNCATED}/{@code LENGTH_MISMATCH} (size), {@code
   * UNSUPPORTED_VERSION}, {@code WRONG_TYPE}, {@code BAD_FIELD} (header, status or credentials out
   * of range), {@code BAD_MAC} (not for this claim: other nonce, other key, altered, or no claim
   * outstanding). The MAC is checked before anything is decrypted.
   */
  public int openReply(byte[] in, int offset, int length) {
    if (in == null || offset < 0 || length < 0 || length > in.length - offset) {
      return FleetStatus.BAD_ARGUMENT;
    }
    if (length < HEADER_LENGTH) {
      return FleetStatus.TRUNCATED;
    }
    if (LittleEndian.u8(in, offset) != VERSION) {
      return FleetStatus.UNSUPPORTED_VERSION;
    }
    if (LittleEndian.u8(in, offset + 1) != REPLY_TYPE) {
      return FleetStatus.WRONG_TYPE;
    }
    if (length != REPLY_LENGTH) {
      return length < REPLY_LENGTH ? FleetStatus.TRUNCATED : FleetStatus.LENGTH_MISMATCH;
    }
    int body = offset + HEADER_LENGTH;
    if (in[offset + 2] != 0
        || in[offset + 3] != 0
        || LittleEndian.i32(in, offset + 4) != 0
        || LittleEndian.i32(in, offset + 8) != REPLY_BODY_LENGTH
        || in[body + 2] != 0
        || in[body + 3] != 0) {
      return FleetStatus.BAD_FIELD;
    }
    int status = LittleEndian.i16(in, body + STATUS_OFFSET);
    if (status != ACCEPTED && status != REFUSED) {
      return FleetStatus.BAD_FIELD;
    }
    if (!pending || !equal(in, body + REPLY_NONCE_OFFSET, nonce, NONCE_LENGTH)) {
      return FleetStatus.BAD_MAC;
    }
    if (!x25519.sharedSecret(scratch, 0, privateKey, 0, in, body + HOST_PUBLIC_OFFSET)) {
      return FleetStatus.BAD_MAC; // a small-order host key: no shared secret, no genuine host
    }
    expandKeys(in, body + HOST_PUBLIC_OFFSET);
    mac.key(keyStream, 0, HmacSha256.MAC_LENGTH);
    mac.update(in, body, REPLY_MAC_OFFSET);
    if (!mac.finishAndCompare(in, body + REPLY_MAC_OFFSET)) {
      return FleetStatus.BAD_MAC;
    }
    int nonZero = 0;
    for (int i = 0; i < CREDENTIALS_LENGTH; i++) {
      credentials[i] = (byte) (in[body + SEALED_OFFSET + i] ^ keyStream[HmacSha256.MAC_LENGTH + i]);
      nonZero |= credentials[i];
    }
    int check =
        status == REFUSED
            ? (nonZero == 0 ? FleetStatus.OK : FleetStatus.BAD_FIELD)
            : checkCredentials();
    if (check == FleetStatus.OK) {
      pending = false;
      accepted = status == ACCEPTED;
    }
    return check;
  }

  /** Whether the last opened reply gave credentials (false: the host refused the claim). */
  public boolean accepted() {
    return accepted;
  }

  public int deviceId(Name out) {
    return out.readField(credentials, DEVICE_ID_OFFSET);
  }

  public int group(Name out) {
    return out.readField(credentials, GROUP_OFFSET);
  }

  /** The broker password: 32 ASCII characters. */
  public void password(byte[] out, int offset) {
    System.arraycopy(credentials, PASSWORD_OFFSET, out, offset, PASSWORD_LENGTH);
  }

  /** The device key: the host's authenticators for this device are keyed with it. */
  public void deviceKey(byte[] out, int offset) {
    System.arraycopy(credentials, DEVICE_KEY_OFFSET, out, offset, KEY_LENGTH);
  }

  /** The fleet's host key (Ed25519 public key, PROTOCOL.md section 5). */
  public void hostKey(byte[] out, int offset) {
    System.arraycopy(credentials, HOST_KEY_OFFSET, out, offset, KEY_LENGTH);
  }

  private int checkCredentials() {
    int check = Name.checkField(credentials, DEVICE_ID_OFFSET);
    if (check != FleetStatus.OK) {
      return check;
    }
    check = Name.checkField(credentials, GROUP_OFFSET);
    if (check != FleetStatus.OK) {
      return check;
    }
    name.readField(credentials, GROUP_OFFSET);
    if (Topic.isReservedGroup(name)) {
      return FleetStatus.BAD_FIELD;
    }
    for (int i = 0; i < PASSWORD_LENGTH; i++) {
      int c = credentials[PASSWORD_OFFSET + i];
      if (c < 0x21 || c > 0x7E) {
        return FleetStatus.BAD_FIELD; // printable ASCII, no space
      }
    }
    return FleetStatus.OK;
  }

  /**
   * HKDF-SHA256 (RFC 5869): PRK = HMAC(unitKey, shared secret), then 192 bytes of T(i) = HMAC(PRK,
   * T(i-1) || info || i), info = "spela/v2 claim reply" || nonce || device public key || host
   * public key. The first 32 bytes key the reply's MAC, the rest encrypt the credentials.
   */
  private void expandKeys(byte[] reply, int hostPublicOffset) {
    mac.key(unitKey, 0, KEY_LENGTH);
    mac.update(scratch, 0, KEY_LENGTH);
    mac.finish(scratch, 0); // scratch = PRK
    for (int i = 0; i * HmacSha256.MAC_LENGTH < KEY_STREAM_LENGTH; i++) {
      mac.key(scratch, 0, KEY_LENGTH);
      if (i > 0) {
        mac.update(block, 0, HmacSha256.MAC_LENGTH);
      }
      mac.update(REPLY_LABEL, 0, REPLY_LABEL.length);
      mac.update(nonce, 0, NONCE_LENGTH);
      mac.update(publicKey, 0, KEY_LENGTH);
      mac.update(reply, hostPublicOffset, KEY_LENGTH);
      counter[0] = (byte) (i + 1);
      mac.update(counter, 0, 1);
      mac.finish(block, 0);
      System.arraycopy(block, 0, keyStream, i * HmacSha256.MAC_LENGTH, HmacSha256.MAC_LENGTH);
    }
  }

  private static void writeHeader(byte[] out, int offset, int type, int bodyLength) {
    LittleEndian.put8(out, offset, VERSION);
    LittleEndian.put8(out, offset + 1, type);
    LittleEndian.put8(out, offset + 2, 0);
    LittleEndian.put8(out, offset + 3, 0);
    LittleEndian.put32(out, offset + 4, 0);
    LittleEndian.put32(out, offset + 8, bodyLength);
  }

  private static boolean equal(byte[] a, int offset, byte[] b, int length) {
    int diff = 0;
    for (int i = 0; i < length; i++) {
      diff |= a[offset + i] ^ b[i];
    }
    return diff == 0;
  }
}
