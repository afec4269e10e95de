package dev.spela.protocols.fleet;

import dev.spela.protocols.checksum.HmacSha256;

/**
 * CLAIM_REPLY (host -> device, type 0x85) on {@code spela/v2/PROVISION/REPLY/<claimId>}: the
 * device's own identity (device id and group), or a refusal. It echoes the claim's nonce and is
 * authenticated by HMAC-SHA256 (claim secret) of body bytes [0, 84), so a device accepts only a
 * fresh reply from a host that knows the secret.
 */
public final class ClaimReplyMessage extends Message {

  public static final int STATUS = 0;
  public static final int NONCE = 4;
  public static final int DEVICE_ID = 20;
  public static final int GROUP = 52;
  public static final int MAC = 84;
  public static final int BODY_LENGTH = MAC + HmacSha256.MAC_LENGTH;

  public static final int ACCEPTED = 0;

  /** The claim's MAC did not match, or the host does not hand out identities to this claim. */
  public static final int REFUSED = -1;

  private final Name scratch = new Name();

  public ClaimReplyMessage() {
    super(FleetProtocol.CLAIM_REPLY, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    if (!zeros(STATUS + 2, 2)) {
      return FleetStatus.BAD_FIELD;
    }
    if (status() == REFUSED) {
      return require(
          Name.isEmptyField(buffer, at(DEVICE_ID)) && Name.isEmptyField(buffer, at(GROUP)));
    }
    if (status() != ACCEPTED) {
      return FleetStatus.BAD_FIELD;
    }
    int check = Name.checkField(buffer, at(DEVICE_ID));
    return check != FleetStatus.OK ? check : checkGroup();
  }

  private int checkGroup() {
    int check = Name.checkField(buffer, at(GROUP));
    if (check != FleetStatus.OK) {
      return check;
    }
    // A reserved group could never appear in the device's topics: reject it here already.
    scratch.readField(buffer, at(GROUP));
    return require(!Topic.isReservedGroup(scratch));
  }

  public int status() {
    return i16(STATUS);
  }

  public void nonce(byte[] out, int outOffset) {
    copyOut(NONCE, out, outOffset, ClaimMessage.NONCE_LENGTH);
  }

  /** True if the reply echoes {@code nonce[nonceOffset..+16)}. */
  public boolean nonceEquals(byte[] nonce, int nonceOffset) {
    int diff = 0;
    for (int k = 0; k < ClaimMessage.NONCE_LENGTH; k++) {
      diff |= buffer[at(NONCE + k)] ^ nonce[nonceOffset + k];
    }
    return diff == 0;
  }

  public int deviceId(Name out) {
    return out.readField(buffer, at(DEVICE_ID));
  }

  public int group(Name out) {
    return out.readField(buffer, at(GROUP));
  }

  /** Writes an accepted reply (identity), then the MAC with {@code keyedMac} (claim secret). */
  public ClaimReplyMessage accept(
      byte[] nonce, int nonceOffset, Name deviceId, Name group, HmacSha256 keyedMac) {
    put16(STATUS, ACCEPTED);
    copyIn(NONCE, nonce, nonceOffset, ClaimMessage.NONCE_LENGTH);
    deviceId.writeField(buffer, at(DEVICE_ID));
    group.writeField(buffer, at(GROUP));
    return sign(keyedMac);
  }

  /** Writes a refusal (no identity), then the MAC. */
  public ClaimReplyMessage refuse(byte[] nonce, int nonceOffset, HmacSha256 keyedMac) {
    put16(STATUS, REFUSED);
    copyIn(NONCE, nonce, nonceOffset, ClaimMessage.NONCE_LENGTH);
    for (int k = DEVICE_ID; k < MAC; k++) {
      put8(k, 0);
    }
    return sign(keyedMac);
  }

  /** True if the MAC matches with {@code keyedMac} (claim secret); otherwise drop as BAD_MAC. */
  public boolean macMatches(HmacSha256 keyedMac) {
    keyedMac.update(buffer, at(0), MAC);
    return keyedMac.finishAndCompare(buffer, at(MAC));
  }

  private ClaimReplyMessage sign(HmacSha256 keyedMac) {
    keyedMac.update(buffer, at(0), MAC);
    keyedMac.finish(buffer, at(MAC));
    return this;
  }
}
