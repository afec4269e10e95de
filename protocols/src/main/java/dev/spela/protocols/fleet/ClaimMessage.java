package dev.spela.protocols.fleet;

import dev.spela.protocols.checksum.HmacSha256;

/**
 * CLAIM (device -> host, type 0x07) on {@code spela/v2/PROVISION/REQ/<claimId>}: a device that
 * holds only the fleet's shared claim secret asks for its own identity. The MAC is HMAC-SHA256,
 * keyed with the claim secret, of body bytes [0, 80): claim id, board id and a fresh random nonce.
 */
public final class ClaimMessage extends Message {

  public static final int CLAIM_ID = 0;
  public static final int BOARD_ID = 32;
  public static final int NONCE = 64;
  public static final int NONCE_LENGTH = 16;
  public static final int MAC = 80;
  public static final int BODY_LENGTH = MAC + HmacSha256.MAC_LENGTH;

  public ClaimMessage() {
    super(FleetProtocol.CLAIM, BODY_LENGTH, BODY_LENGTH);
  }

  @Override
  protected int checkBody() {
    int status = Name.checkField(buffer, at(CLAIM_ID));
    return status != FleetStatus.OK ? status : Name.checkField(buffer, at(BOARD_ID));
  }

  public int claimId(Name out) {
    return out.readField(buffer, at(CLAIM_ID));
  }

  public int boardId(Name out) {
    return out.readField(buffer, at(BOARD_ID));
  }

  public void nonce(byte[] out, int outOffset) {
    copyOut(NONCE, out, outOffset, NONCE_LENGTH);
  }

  /** Writes claim id, board id and nonce, then the MAC with {@code keyedMac} (claim secret). */
  public ClaimMessage claim(
      Name claimId, Name boardId, byte[] nonce, int nonceOffset, HmacSha256 keyedMac) {
    claimId.writeField(buffer, at(CLAIM_ID));
    boardId.writeField(buffer, at(BOARD_ID));
    copyIn(NONCE, nonce, nonceOffset, NONCE_LENGTH);
    keyedMac.update(buffer, at(0), MAC);
    keyedMac.finish(buffer, at(MAC));
    return this;
  }

  /** True if the MAC matches with {@code keyedMac} (claim secret); otherwise drop as BAD_MAC. */
  public boolean macMatches(HmacSha256 keyedMac) {
    keyedMac.update(buffer, at(0), MAC);
    return keyedMac.finishAndCompare(buffer, at(MAC));
  }
}
