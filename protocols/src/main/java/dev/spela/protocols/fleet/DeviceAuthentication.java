package dev.spela.protocols.fleet;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.crypto.Ed25519Verifier;
import dev.spela.protocols.image.ImageSignature;
import dev.spela.protocols.subset.SteadyState;

/**
 * A device's side of PROTOCOL.md section 5: seals what the device publishes with its device key
 * and the counter {@code bdSeq * 2^32 + n}, and checks what its host sends: the MAC and a fresh
 * counter ({@link ReplayWindow}, one scope per session) on CMD, OFFER and BLOCK, the host key's
 * Ed25519 signature on STATE. Without keys ({@link #secured} false: a fleet run with {@code
 * --insecure}) it seals nothing and accepts everything. Allocates nothing after construction.
 */
@SteadyState
public final class DeviceAuthentication {

  /** The low half of the will's counter: the will is always a session's last message. */
  public static final long WILL = 0xFFFFFFFFL;

  private static final byte[] SEPARATOR = {0};

  private final MessageAuthenticator mac = new MessageAuthenticator();
  private final Ed25519Verifier verifier = new Ed25519Verifier();
  private final byte[] hostKey = new byte[Ed25519Verifier.PUBLIC_KEY_LENGTH];
  private final ReplayWindow hostCounters = new ReplayWindow();
  private boolean secured;
  private long sessionBase;
  private long sent;

  /**
   * Takes the device key and the fleet's host key (Ed25519 public key) from provisioning; from now
   * on messages are sealed and checked. {@link FleetStatus#BAD_ARGUMENT} if either is not there.
   */
  public int keys(byte[] deviceKey, int deviceKeyOffset, byte[] hostPublicKey, int hostKeyOffset) {
    if (!Bounds.within(hostPublicKey, hostKeyOffset, Ed25519Verifier.PUBLIC_KEY_LENGTH)) {
      return FleetStatus.BAD_ARGUMENT;
    }
    int status = mac.key(deviceKey, deviceKeyOffset);
    if (status != FleetStatus.OK) {
      return status;
    }
    System.arraycopy(hostPublicKey, hostKeyOffset, hostKey, 0, hostKey.length);
    secured = true;
    return FleetStatus.OK;
  }

  /** True once keys are set: a secured fleet. */
  public boolean secured() {
    return secured;
  }

  /** A new MQTT session: its messages are counted from 0, the host's counters start afresh. */
  public void begin(int bdSeq) {
    sessionBase = (bdSeq & 0xFFFFFFFFL) << 32;
    sent = 0;
    hostCounters.reset();
  }

  /** Seals a message the device is about to publish on {@code topic[0, topicLength)}. */
  public int seal(byte[] topic, int topicLength, Message message) {
    return secured ? sealWith(topic, topicLength, message, sessionBase | sent++) : FleetStatus.OK;
  }

  /** Seals the session's will (a DEATH registered at connect time, counter low half all ones). */
  public int sealWill(byte[] topic, int topicLength, Message message) {
    return secured ? sealWith(topic, topicLength, message, sessionBase | WILL) : FleetStatus.OK;
  }

  private int sealWith(byte[] topic, int topicLength, Message message, long counter) {
    int status = message.authenticate(counter);
    return status != FleetStatus.OK ? status : mac.seal(topic, 0, topicLength, message);
  }

  /**
   * Checks a host message received on {@code topic[0, topicLength)} that {@link Message#wrap}
   * accepted: {@link FleetStatus#OK}, or {@link FleetStatus#UNAUTHENTICATED} (no trailer), {@link
   * FleetStatus#BAD_MAC} (a wrong MAC or signature), {@link FleetStatus#REPLAYED} (a counter seen
   * before in this session, or older than the ones kept; not for a RECEIPT, whose counter is
   * neither checked nor kept). Only a message that passes may change anything.
   */
  public int check(byte[] topic, int topicLength, Message message) {
    if (!secured) {
      return FleetStatus.OK;
    }
    if (!message.authenticated()) {
      return FleetStatus.UNAUTHENTICATED;
    }
    if (message.type() == FleetProtocol.HOST_STATE) {
      // Ordered by its session (PROTOCOL.md section 7), not by its counter.
      return signedByHost(topic, topicLength, message) ? FleetStatus.OK : FleetStatus.BAD_MAC;
    }
    int status = mac.verify(topic, 0, topicLength, message);
    if (status != FleetStatus.OK || message.type() == FleetProtocol.RECEIPT) {
      // A receipt states what a collector stored: a copy releases nothing new. Held to the window,
      // the receipts of collectors on other clocks were dropped, or pushed the primary's commands
      // out of it (PROTOCOL.md section 5).
      return status;
    }
    return hostCounters.accept(message.counter());
  }

  /**
   * Checks a signed image's trailer ({@code trailer[offset..]}, MODEL_FORMAT.md "Signed images")
   * for the model image whose SHA-256 is {@code imageSha256[shaOffset..]}: signed by the fleet's
   * host key, the one key a device trusts for images. {@link ImageSignature#OK} or its failure;
   * {@link ImageSignature#UNKNOWN_KEY} without keys.
   */
  public int checkImage(byte[] trailer, int offset, byte[] imageSha256, int shaOffset) {
    if (!secured) {
      return ImageSignature.UNKNOWN_KEY;
    }
    return ImageSignature.check(verifier, hostKey, 0, trailer, offset, imageSha256, shaOffset);
  }

  private boolean signedByHost(byte[] topic, int topicLength, Message message) {
    if (!verifier.start(hostKey, 0, message.buffer(), message.tagOffset())) {
      return false;
    }
    verifier.update(topic, 0, topicLength);
    verifier.update(SEPARATOR, 0, 1);
    verifier.update(message.buffer(), message.offset(), message.signedLength());
    return verifier.finish();
  }
}
