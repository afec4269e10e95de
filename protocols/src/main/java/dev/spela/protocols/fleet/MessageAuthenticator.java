package dev.spela.protocols.fleet;

import dev.spela.protocols.checksum.HmacSha256;

/**
 * The MAC of the authentication trailer (PROTOCOL.md section 5) with one device key: the first 16
 * bytes of HMAC-SHA256 over the topic, one zero byte, and the message's bytes up to its tag. The
 * device holds one authenticator for its own key; a host holds one per device it talks to (or
 * re-keys one). It checks the tag only: whether the counter is fresh is the receiver's rule, since
 * it depends on what the receiver has seen. STATE is signed, not MACed: its tag is checked with the
 * host's public key, not here. Allocates nothing after construction.
 */
public final class MessageAuthenticator {

  /** Device keys are 32 random bytes. */
  public static final int KEY_LENGTH = 32;

  private static final byte[] SEPARATOR = {0};

  private final HmacSha256 hmac = new HmacSha256();
  private final byte[] mac = new byte[HmacSha256.MAC_LENGTH];
  private boolean keyed;

  /** Sets the device key ({@link #KEY_LENGTH} bytes from {@code offset}). */
  public int key(byte[] key, int offset) {
    if (key == null || offset < 0 || offset > key.length - KEY_LENGTH) {
      return FleetStatus.BAD_ARGUMENT;
    }
    hmac.key(key, offset, KEY_LENGTH);
    keyed = true;
    return FleetStatus.OK;
  }

  /**
   * Writes the tag of a message that {@link Message#authenticate} prepared, published on the topic
   * {@code topic[topicOffset, topicOffset + topicLength)}. {@link FleetStatus#BAD_FIELD} if the
   * message has no trailer or is a STATE, {@link FleetStatus#BAD_ARGUMENT} without a key or with a
   * bad topic range.
   */
  public int seal(byte[] topic, int topicOffset, int topicLength, Message message) {
    int status = check(topic, topicOffset, topicLength, message);
    if (status != FleetStatus.OK) {
      return status;
    }
    digest(topic, topicOffset, topicLength, message);
    hmac.finish(mac, 0);
    System.arraycopy(mac, 0, message.buffer(), message.tagOffset(), FleetProtocol.MAC_TAG_LENGTH);
    return FleetStatus.OK;
  }

  /**
   * Checks the tag of a message that {@link Message#wrap} accepted: {@link FleetStatus#OK}, {@link
   * FleetStatus#UNAUTHENTICATED} without a trailer, {@link FleetStatus#BAD_MAC} for a wrong tag,
   * {@link FleetStatus#BAD_FIELD} for a STATE. Compares in time independent of where tags differ.
   */
  public int verify(byte[] topic, int topicOffset, int topicLength, Message message) {
    if (message.buffer() != null && !message.authenticated()) {
      return FleetStatus.UNAUTHENTICATED;
    }
    int status = check(topic, topicOffset, topicLength, message);
    if (status != FleetStatus.OK) {
      return status;
    }
    digest(topic, topicOffset, topicLength, message);
    hmac.finish(mac, 0);
    byte[] buffer = message.buffer();
    int at = message.tagOffset();
    int difference = 0;
    for (int k = 0; k < FleetProtocol.MAC_TAG_LENGTH; k++) {
      difference |= mac[k] ^ buffer[at + k];
    }
    return difference == 0 ? FleetStatus.OK : FleetStatus.BAD_MAC;
  }

  private int check(byte[] topic, int topicOffset, int topicLength, Message message) {
    if (!keyed
        || topic == null
        || topicOffset < 0
        || topicLength < 0
        || topicOffset > topic.length - topicLength) {
      return FleetStatus.BAD_ARGUMENT;
    }
    if (message.buffer() == null
        || !message.authenticated()
        || message.type() == FleetProtocol.HOST_STATE) {
      return FleetStatus.BAD_FIELD;
    }
    return FleetStatus.OK;
  }

  private void digest(byte[] topic, int topicOffset, int topicLength, Message message) {
    hmac.update(topic, topicOffset, topicLength);
    hmac.update(SEPARATOR, 0, 1);
    hmac.update(message.buffer(), message.offset(), message.signedLength());
  }
}
