package dev.spela.protocols.uart;

import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.Topic;

/**
 * The frames a board and its UART bridge exchange (protocols/UART-BRIDGE.md): two sync bytes, the
 * body's length, the body (type, connection number, the type's fields), a CRC-32 of length and
 * body. Little-endian.
 *
 * <pre>
 *   0      1      2       4      5            6                4 + L
 * +------+------+-------+------+------------+----------------+--------+
 * | 0xA5 | 0x5A | L u16 | type | connection | fields (L - 2) | CRC-32 |
 * +------+------+-------+------+------------+----------------+--------+
 * </pre>
 */
public final class UartFrame {

  public static final int SYNC_0 = 0xA5;
  public static final int SYNC_1 = 0x5A;

  public static final int LENGTH_OFFSET = 2;
  public static final int TYPE_OFFSET = 4;
  public static final int CONNECTION_OFFSET = 5;
  public static final int FIELDS_OFFSET = 6;

  /** Sync bytes and length: the bytes before the body. */
  public static final int HEADER_LENGTH = 4;

  public static final int CRC_LENGTH = 4;

  /** Type and connection number: the shortest body. */
  public static final int MIN_BODY_LENGTH = 2;

  // Board -> bridge.
  public static final int CONNECT = 0x01;
  public static final int SUBSCRIBE = 0x02;
  public static final int PUBLISH = 0x03;
  public static final int DISCONNECT = 0x04;

  // Bridge -> board.
  public static final int CONNECTED = 0x81;
  public static final int LOST = 0x82;
  public static final int MESSAGE = 0x83;
  public static final int ACK = 0x84;

  /** LOST's reason: the broker could not be reached or refused the connection. */
  public static final int LOST_CONNECT_FAILED = 1;

  /** LOST's reason: an established connection ended. */
  public static final int LOST_CONNECTION_ENDED = 2;

  /** LOST's reason: the bridge received a frame it could not read (bad length or CRC). */
  public static final int LOST_BAD_FRAME = 3;

  public static final int MAX_CLIENT_ID_LENGTH = Name.MAX_LENGTH;
  public static final int MAX_LOGIN_LENGTH = 64;
  public static final int MAX_TOPIC_LENGTH = Topic.MAX_LENGTH;
  public static final int MAX_PAYLOAD_LENGTH = FleetProtocol.MAX_MESSAGE_LENGTH;
  public static final int MAX_WILL_LENGTH = 256;

  /** The longest body: a PUBLISH or MESSAGE of the longest topic and payload. */
  public static final int MAX_BODY_LENGTH =
      MIN_BODY_LENGTH + 2 + MAX_TOPIC_LENGTH + MAX_PAYLOAD_LENGTH;

  /** The longest frame, what a receiver buffers. */
  public static final int MAX_FRAME_LENGTH = HEADER_LENGTH + MAX_BODY_LENGTH + CRC_LENGTH;

  private UartFrame() {}
}
