package dev.spela.agent;

import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.image.LittleEndian;
import dev.spela.protocols.subset.SteadyState;
import dev.spela.protocols.uart.UartFrame;
import dev.spela.protocols.uart.UartFrameReader;
import dev.spela.protocols.uart.UartFrameWriter;

/**
 * The agent's {@link Transport} over a UART to a bridge that holds the MQTT connection, as a modem
 * does (protocols/UART-BRIDGE.md). Calls write frames; {@link #poll} reads what the bridge sent
 * and hands it to the agent on the caller's thread. Every CONNECT starts a new connection number;
 * the bridge's frames about an older connection are ignored, so a late ACK or MESSAGE never
 * reaches the new session. A frame that arrives spoilt ends the connection as a lost one (the
 * agent reconnects, and its records go again).
 */
@SteadyState
public final class UartTransport implements Transport {

  private static final int READ_CHUNK = 64;

  private final SerialPort serial;
  private final UartFrameWriter writer = new UartFrameWriter();
  private final UartFrameReader reader = new UartFrameReader();
  private final byte[] chunk = new byte[READ_CHUNK];
  private final byte[] topic = new byte[UartFrame.MAX_TOPIC_LENGTH];
  private final byte[] payload = new byte[UartFrame.MAX_PAYLOAD_LENGTH];
  private final Name clientId = new Name();
  private final byte[] login;
  private final int loginLength;
  private final byte[] password;
  private final int passwordLength;
  private int connection;
  private boolean open;
  private int inFlight;

  /**
   * A transport on {@code serial} whose connections use {@code clientId}, and the broker login
   * {@code login[0, loginLength)} and {@code password[0, passwordLength)} (length 0: the bridge
   * logs in with the account it holds for the board).
   */
  public UartTransport(
      SerialPort serial,
      Name clientId,
      byte[] login,
      int loginLength,
      byte[] password,
      int passwordLength) {
    this.serial = serial;
    this.clientId.set(clientId);
    this.login = login;
    this.loginLength = loginLength;
    this.password = password;
    this.passwordLength = passwordLength;
  }

  @Override
  public int connect(byte[] willTopic, int willTopicLength, byte[] willPayload, int willLength) {
    connection = (connection + 1) & 0xFF;
    open = true;
    inFlight = 0;
    writer.begin(UartFrame.CONNECT, connection);
    writer.put8(clientId.length());
    for (int i = 0; i < clientId.length(); i++) {
      writer.put8(clientId.byteAt(i));
    }
    writer
        .putShort(login, 0, loginLength, UartFrame.MAX_LOGIN_LENGTH)
        .putShort(password, 0, passwordLength, UartFrame.MAX_LOGIN_LENGTH)
        .putShort(willTopic, 0, willTopicLength, UartFrame.MAX_TOPIC_LENGTH);
    if (willLength > UartFrame.MAX_WILL_LENGTH) {
      return -1;
    }
    writer.put16(willLength).put(willPayload, 0, willLength);
    return send();
  }

  @Override
  public int subscribe(byte[] topicName, int topicLength) {
    if (!open) {
      return -1;
    }
    writer
        .begin(UartFrame.SUBSCRIBE, connection)
        .putShort(topicName, 0, topicLength, UartFrame.MAX_TOPIC_LENGTH);
    return send();
  }

  @Override
  public int publish(
      byte[] topicName, int topicLength, byte[] data, int offset, int length, int qos) {
    if (!open || length > UartFrame.MAX_PAYLOAD_LENGTH) {
      return -1;
    }
    writer
        .begin(UartFrame.PUBLISH, connection)
        .put8(qos)
        .putShort(topicName, 0, topicLength, UartFrame.MAX_TOPIC_LENGTH)
        .put(data, offset, length);
    int status = send();
    if (status == 0 && qos > 0) {
      inFlight++;
    }
    return status;
  }

  @Override
  public int inFlight() {
    return inFlight;
  }

  @Override
  public int disconnect() {
    if (!open) {
      return 0;
    }
    open = false;
    writer.begin(UartFrame.DISCONNECT, connection);
    return send();
  }

  /**
   * Reads what the UART holds and hands each complete frame of the current connection to {@code
   * agent}; returns the frames handled (0: nothing came), or a negative status if the port is gone.
   */
  public int poll(DeviceAgent agent) {
    int handled = 0;
    int count = serial.read(chunk, 0, READ_CHUNK);
    if (count < 0) {
      return count;
    }
    for (int i = 0; i < count; i++) {
      int status = reader.push(chunk[i]);
      if (status == UartFrameReader.FRAME) {
        handled += dispatch(agent);
      } else if (status == UartFrameReader.BAD_FRAME && open) {
        open = false;
        agent.onConnectionLost();
        handled++;
      }
    }
    return handled;
  }

  /** Frames that arrived spoilt so far. */
  public int badFrames() {
    return reader.badFrames();
  }

  private int dispatch(DeviceAgent agent) {
    if (!open || reader.connection() != connection) {
      return 0; // about a connection that has ended
    }
    byte[] frame = reader.buffer();
    int fields = UartFrame.FIELDS_OFFSET;
    int fieldsLength = reader.fieldsLength();
    switch (reader.type()) {
      case UartFrame.CONNECTED:
        agent.onConnected();
        return 1;
      case UartFrame.LOST:
        open = false;
        agent.onConnectionLost();
        return 1;
      case UartFrame.ACK:
        if (fieldsLength >= 2) {
          inFlight = Math.max(0, inFlight - LittleEndian.u16(frame, fields));
        }
        return 1;
      case UartFrame.MESSAGE:
        int topicLength = fieldsLength < 1 ? -1 : frame[fields] & 0xFF;
        int payloadLength = fieldsLength - 1 - topicLength;
        if (topicLength < 1
            || topicLength > topic.length
            || payloadLength < 0
            || payloadLength > payload.length) {
          return 0;
        }
        System.arraycopy(frame, fields + 1, topic, 0, topicLength);
        System.arraycopy(frame, fields + 1 + topicLength, payload, 0, payloadLength);
        agent.onMessage(topic, topicLength, payload, payloadLength);
        return 1;
      default:
        return 0;
    }
  }

  private int send() {
    int length = writer.finish();
    if (length < 0) {
      return -1;
    }
    return serial.write(writer.buffer(), 0, length) < 0 ? -1 : 0;
  }
}
