package dev.spela.protocols.fleet;

import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.subset.SteadyState;

/**
 * Constants of fleet protocol v2 (protocols/PROTOCOL.md): the common message header, the
 * authentication trailer, the message types, their topics, MQTT QoS and retain flags, and the
 * sequence-number arithmetic.
 */
@SteadyState
public final class FleetProtocol {

  public static final int VERSION = 2;

  // Common header, at the start of every message (all little-endian).
  public static final int HEADER_LENGTH = 12;
  public static final int H_VERSION = 0;
  public static final int H_TYPE = 1;
  public static final int H_SEQ = 2;
  public static final int H_FLAGS = 3;
  public static final int H_BD_SEQ = 4;
  public static final int H_BODY_LENGTH = 8;

  /** Header flag: the body is followed by the authentication trailer (PROTOCOL.md section 5). */
  public static final int FLAG_AUTHENTICATED = 1;

  // Authentication trailer: a counter, then a tag.
  public static final int COUNTER_LENGTH = 8;

  /** The first half of an HMAC-SHA256 keyed with the device key. */
  public static final int MAC_TAG_LENGTH = 16;

  /** An Ed25519 signature by the fleet's host key (STATE only). */
  public static final int SIGNATURE_LENGTH = 64;

  // Device -> host message types.
  public static final int BIRTH = 0x01;
  public static final int DEATH = 0x02;
  public static final int DATA = 0x03;
  public static final int ACK = 0x04;
  public static final int BLOCK_REQUEST = 0x05;
  public static final int VERDICT = 0x06;
  public static final int CLAIM = 0x07;
  // Host -> device message types (high bit set).
  public static final int HOST_STATE = 0x81;
  public static final int COMMAND = 0x82;
  public static final int OFFER = 0x83;
  public static final int BLOCK = 0x84;
  public static final int CLAIM_REPLY = 0x85;
  public static final int RECEIPT = 0x86;

  /** Per-layer arrays (telemetry, evaluation) hold at most this many layers, as model images. */
  public static final int MAX_LAYERS = ModelImage.MAX_LAYERS;

  /** Image blocks are 2^10 .. 2^12 bytes. */
  public static final int MIN_BLOCK_LOG2 = 10;

  public static final int MAX_BLOCK_LOG2 = 12;
  public static final int MAX_BLOCK_LENGTH = 1 << MAX_BLOCK_LOG2;

  /** The longest v2 message: an authenticated BLOCK of 4096 data bytes. */
  public static final int MAX_MESSAGE_LENGTH =
      HEADER_LENGTH + BlockMessage.DATA + MAX_BLOCK_LENGTH + COUNTER_LENGTH + MAC_TAG_LENGTH;

  private FleetProtocol() {}

  /** True for the thirteen v2 message types. */
  public static boolean isKnownType(int type) {
    return type >= BIRTH && type <= CLAIM || type >= HOST_STATE && type <= RECEIPT;
  }

  /** True for messages a device sends. */
  public static boolean fromDevice(int type) {
    return type >= BIRTH && type <= CLAIM;
  }

  /**
   * True for the types that may carry the authentication trailer: all but CLAIM and CLAIM_REPLY,
   * which authenticate themselves with the claim secret.
   */
  public static boolean authenticates(int type) {
    return isKnownType(type) && type != CLAIM && type != CLAIM_REPLY;
  }

  /** The tag length of a type's trailer: a signature for STATE, a MAC for the rest. */
  public static int tagLength(int type) {
    return type == HOST_STATE ? SIGNATURE_LENGTH : MAC_TAG_LENGTH;
  }

  /** Bytes of a type's authentication trailer: the counter and the tag. */
  public static int trailerLength(int type) {
    return COUNTER_LENGTH + tagLength(type);
  }

  /**
   * The first checks every receiver makes (PROTOCOL.md, section 12), before it decodes: the message
   * is at most {@link #MAX_MESSAGE_LENGTH} bytes, has a v2 header with a known type, and that type
   * belongs on the topic kind it arrived on.
   *
   * @return the message type, or a negative {@link FleetStatus} code to count and drop
   */
  public static int receivedType(int topicKind, byte[] payload, int length) {
    if (length > MAX_MESSAGE_LENGTH) {
      return FleetStatus.OVERSIZED;
    }
    int type = Message.peekType(payload, 0, length);
    if (type > 0 && topicOf(type) != topicKind) {
      return FleetStatus.BAD_TOPIC;
    }
    return type;
  }

  /** The topic kind ({@link Topic#BIRTH} ...) a message type is published on, or 0 if unknown. */
  public static int topicOf(int type) {
    switch (type) {
      case BIRTH:
        return Topic.BIRTH;
      case DEATH:
        return Topic.DEATH;
      case DATA:
        return Topic.DATA;
      case ACK:
        return Topic.ACK;
      case BLOCK_REQUEST:
      case VERDICT:
        return Topic.IMAGE_REPLY;
      case CLAIM:
        return Topic.CLAIM_REQUEST;
      case HOST_STATE:
        return Topic.STATE;
      case COMMAND:
      case RECEIPT:
        return Topic.COMMAND;
      case OFFER:
      case BLOCK:
        return Topic.IMAGE;
      case CLAIM_REPLY:
        return Topic.CLAIM_REPLY;
      default:
        return 0;
    }
  }

  /**
   * MQTT QoS of a message type: 0 for image blocks and block requests (the device's retry timer
   * recovers a lost one, and a broker must not queue stale 4 KB blocks), 1 for everything else.
   */
  public static int qos(int type) {
    return type == BLOCK || type == BLOCK_REQUEST ? 0 : 1;
  }

  /** Only the host STATE is retained: devices that connect later must learn it at once. */
  public static boolean retained(int type) {
    return type == HOST_STATE;
  }

  /**
   * How far a received sequence number is ahead of the expected one, modulo 256: 0 in order, 1 ..
   * 127 that many messages missing, 128 .. 255 an old or repeated message.
   */
  public static int seqDistance(int expected, int received) {
    return (received - expected) & 0xFF;
  }
}
