package dev.spela.boards.device;

import dev.spela.protocols.image.LittleEndian;
import dev.spela.protocols.uart.UartFrame;
import dev.spela.protocols.uart.UartFrameReader;
import dev.spela.protocols.uart.UartFrameWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocketFactory;
import org.tinylog.Logger;

/**
 * The host's side of a board's UART (protocols/UART-BRIDGE.md), as a modem on that UART: it holds
 * the MQTT connection (Paho {@code mqttv3}, TLS and the board's account) and relays frames, the
 * board's CONNECT, SUBSCRIBE, PUBLISH and DISCONNECT to the broker, the broker's CONNACK, messages,
 * acknowledgements and a lost connection back to the board, each tagged with the connection
 * number of the board's CONNECT it belongs to. {@link #run} relays until the UART's stream ends.
 */
public final class UartBridge implements AutoCloseable {

  private final String brokerUrl;
  private final DeviceCredentials account;
  private final SSLSocketFactory trust;
  private final InputStream in;
  private final OutputStream out;
  private final Consumer<String> lines;
  private final ScheduledExecutorService keepAlive =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "uart-bridge-keepalive"));
  private final UartFrameReader reader = new UartFrameReader();
  private final UartFrameWriter writer = new UartFrameWriter(); // guarded by out
  private PahoTransport transport; // the relay thread's
  private String clientId;
  private volatile Object connection;
  private volatile int connectionNumber;

  /**
   * A bridge between the UART streams {@code in} and {@code out} and {@code brokerUrl}; {@code
   * account} null: plain MQTT without a login ({@code --insecure}), else TLS trusting the fleet CA
   * with that account (unless the board's CONNECT brings a login of its own). {@code lines} gets
   * the one-line notices (the broker dropped the board's connection).
   */
  public UartBridge(String brokerUrl, DeviceCredentials account, InputStream in, OutputStream out,
      Consumer<String> lines) throws IOException {
    this.brokerUrl = brokerUrl;
    this.account = account;
    this.trust = account == null ? null : BrokerTrust.socketFactory(account.caCertificate());
    this.in = in;
    this.out = out;
    this.lines = lines;
  }

  /**
   * Relays frames until the UART's stream ends (the board stopped) or fails; then drops the
   * broker connection (the broker publishes the board's will, as for a power cut).
   *
   * @return why the relay ended, one line
   */
  public String run() {
    byte[] chunk = new byte[512];
    try {
      while (true) {
        int count = in.read(chunk);
        if (count < 0) {
          return "the board's UART closed";
        }
        for (int i = 0; i < count; i++) {
          int status = reader.push(chunk[i]);
          if (status == UartFrameReader.FRAME) {
            relay();
          } else if (status == UartFrameReader.BAD_FRAME) {
            Logger.warn("UART bridge: a spoilt frame from the board ({} so far); its connection ends",
                reader.badFrames());
            dropConnection(UartFrame.LOST_BAD_FRAME);
          }
        }
      }
    } catch (IOException e) {
      return "the board's UART failed: " + e.getMessage();
    } finally {
      if (transport != null) {
        transport.drop();
      }
    }
  }

  @Override
  public void close() {
    if (transport != null) {
      transport.drop();
    }
    keepAlive.shutdownNow();
  }

  private void relay() throws IOException {
    byte[] frame = reader.buffer();
    int at = UartFrame.FIELDS_OFFSET;
    int end = at + reader.fieldsLength();
    if (reader.type() == UartFrame.CONNECT) {
      connect(frame, at, end, reader.connection());
      return;
    }
    if (transport == null || reader.connection() != connectionNumber) {
      return; // about a connection that has ended
    }
    switch (reader.type()) {
      case UartFrame.SUBSCRIBE -> {
        int length = frame[at] & 0xFF;
        transport.subscribe(slice(frame, at + 1, length), length);
      }
      case UartFrame.PUBLISH -> {
        int qos = frame[at] & 0xFF;
        int topicLength = frame[at + 1] & 0xFF;
        int payload = at + 2 + topicLength;
        if (payload <= end) {
          transport.publish(slice(frame, at + 2, topicLength), topicLength, frame, payload, end - payload, qos);
        }
      }
      case UartFrame.DISCONNECT -> {
        connection = null;
        transport.disconnect();
      }
      default -> Logger.debug("UART bridge: frame type {} ignored", reader.type());
    }
  }

  /** CONNECT: client id, login, password, will topic (u8 lengths), will (u16 length). */
  private void connect(byte[] frame, int at, int end, int number) throws IOException {
    String[] text = new String[4];
    for (int field = 0; field < text.length; field++) {
      int length = frame[at] & 0xFF;
      if (at + 1 + length > end) {
        dropConnection(UartFrame.LOST_BAD_FRAME);
        return;
      }
      text[field] = new String(frame, at + 1, length, StandardCharsets.US_ASCII);
      at += 1 + length;
    }
    int willLength = at + 2 <= end ? LittleEndian.u16(frame, at) : -1;
    if (willLength < 0 || at + 2 + willLength > end) {
      dropConnection(UartFrame.LOST_BAD_FRAME);
      return;
    }
    if (transport != null) {
      transport.drop(); // its late events are no longer current, whatever number they would get
    }
    if (transport == null || !text[0].equals(clientId)) {
      clientId = text[0];
      transport = new PahoTransport(brokerUrl, clientId, keepAlive, login(text[1], text[2]), trust, events());
    }
    connectionNumber = number;
    byte[] willTopic = text[3].getBytes(StandardCharsets.US_ASCII);
    transport.connect(willTopic, willTopic.length, slice(frame, at + 2, willLength), willLength);
  }

  /** The bridge's account, with the board's own login if its CONNECT brought one. */
  private DeviceCredentials login(String user, String password) {
    if (account == null || user.isEmpty()) {
      return account;
    }
    return new DeviceCredentials(user, account.group(), password, account.deviceKey(), account.hostPublicKey(),
        account.caCertificate());
  }

  private DeviceLink.Events events() {
    return new DeviceLink.Events() {
      @Override
      public void connected(Object c) {
        connection = c;
        send(UartFrame.CONNECTED, c, null, null);
      }

      @Override
      public void lost(Object c, String why) {
        if (c == connection) {
          lines.accept("UART bridge: the broker connection of " + clientId + " was lost: " + why);
        }
        send(UartFrame.LOST, c, null, null);
      }

      @Override
      public void message(String topic, byte[] payload) {
        send(UartFrame.MESSAGE, connection, topic.getBytes(StandardCharsets.US_ASCII), payload);
      }

      @Override
      public void acknowledged(Object c) {
        send(UartFrame.ACK, c, null, null);
      }
    };
  }

  /** Ends the board's current connection as lost, for {@code reason}. */
  private void dropConnection(int reason) {
    if (transport != null) {
      transport.drop();
    }
    connection = null;
    write(UartFrame.LOST, connectionNumber, reason, null, null);
  }

  /** A frame about connection {@code c}, if it is still the current one. */
  private void send(int type, Object c, byte[] topic, byte[] payload) {
    if (transport == null || c == null || !transport.isCurrent(c)) {
      return;
    }
    write(type, connectionNumber, type == UartFrame.LOST ? UartFrame.LOST_CONNECTION_ENDED : 1, topic, payload);
  }

  private void write(int type, int number, int value, byte[] topic, byte[] payload) {
    synchronized (out) {
      writer.begin(type, number);
      if (type == UartFrame.LOST) {
        writer.put8(value);
      } else if (type == UartFrame.ACK) {
        writer.put16(value);
      } else if (type == UartFrame.MESSAGE) {
        writer.putShort(topic, 0, topic.length, UartFrame.MAX_TOPIC_LENGTH).put(payload, 0, payload.length);
      }
      int length = writer.finish();
      if (length < 0) {
        Logger.warn("UART bridge: a {}-byte message on {} does not fit a frame; dropped", payload.length,
            new String(topic, StandardCharsets.US_ASCII));
        return;
      }
      try {
        out.write(writer.buffer(), 0, length);
        out.flush();
      } catch (IOException e) {
        Logger.debug("UART bridge: writing to the board: {}", e.getMessage());
      }
    }
  }

  private static byte[] slice(byte[] frame, int from, int length) {
    byte[] copy = new byte[length];
    System.arraycopy(frame, from, copy, 0, length);
    return copy;
  }
}
