package dev.spela.protocols.uart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The UART frames of UART-BRIDGE.md: the document's examples are what the writer makes, byte for
 * byte, and the reader finds frames after noise, drops spoilt ones and takes the longest.
 */
class UartFrameTest {

  private static final Path SPEC = Path.of("UART-BRIDGE.md");
  private static final byte[] TOPIC = ascii("spela/v2/lab/DATA/vd-0001");

  @Test
  void theSpecsExamplesAreWhatTheWriterMakes() throws IOException {
    assertArrayEquals(example("publish"), publishExample());
    assertArrayEquals(example("ack"), ackExample());
  }

  @Test
  void framesAreFoundAfterNoiseAndTheirFieldsRead() {
    byte[] frame = publishExample();
    byte[] stream = new byte[frame.length + 5];
    stream[0] = (byte) 0xA5; // noise, a lone sync byte among it
    stream[1] = 0x13;
    stream[2] = (byte) 0xA5;
    stream[3] = (byte) 0xA5;
    stream[4] = 0x00;
    System.arraycopy(frame, 0, stream, 5, frame.length);
    UartFrameReader reader = new UartFrameReader();
    int frames = 0;
    for (byte b : stream) {
      if (reader.push(b) == UartFrameReader.FRAME) {
        frames++;
        assertEquals(UartFrame.PUBLISH, reader.type());
        assertEquals(7, reader.connection());
        assertEquals(1 + 1 + TOPIC.length + 3, reader.fieldsLength());
      }
    }
    assertEquals(1, frames);
    assertEquals(0, reader.badFrames());
  }

  @Test
  void aSpoiltFrameIsDroppedAndTheNextOneRead() {
    byte[] frame = ackExample();
    byte[] spoilt = frame.clone();
    spoilt[UartFrame.FIELDS_OFFSET] ^= 1;
    UartFrameReader reader = new UartFrameReader();
    int[] outcomes = new int[3];
    for (byte[] f : new byte[][] {spoilt, frame}) {
      for (byte b : f) {
        outcomes[reader.push(b) + 1]++;
      }
    }
    assertEquals(1, outcomes[UartFrameReader.BAD_FRAME + 1]);
    assertEquals(1, outcomes[UartFrameReader.FRAME + 1]);
    assertEquals(1, reader.badFrames());
  }

  @Test
  void aLengthOutOfRangeIsDroppedAtOnce() {
    UartFrameReader reader = new UartFrameReader();
    int body = UartFrame.MAX_BODY_LENGTH + 1;
    int[] bytes = {0xA5, 0x5A, body & 0xFF, body >>> 8};
    int last = 0;
    for (int b : bytes) {
      last = reader.push(b);
    }
    assertEquals(UartFrameReader.BAD_FRAME, last);
  }

  @Test
  void theLongestPublishFitsAndOneByteMoreDoesNot() {
    byte[] topic = new byte[UartFrame.MAX_TOPIC_LENGTH];
    Arrays.fill(topic, (byte) 't');
    byte[] payload = new byte[UartFrame.MAX_PAYLOAD_LENGTH + 1];
    UartFrameWriter writer = new UartFrameWriter();
    int length = writer.begin(UartFrame.PUBLISH, 1).put8(1).putShort(topic, 0, topic.length, 255)
        .put(payload, 0, UartFrame.MAX_PAYLOAD_LENGTH).finish();
    assertEquals(UartFrame.MAX_FRAME_LENGTH, length);
    UartFrameReader reader = new UartFrameReader();
    int last = 0;
    for (int i = 0; i < length; i++) {
      last = reader.push(writer.buffer()[i]);
    }
    assertEquals(UartFrameReader.FRAME, last);
    assertEquals(-1, writer.begin(UartFrame.PUBLISH, 1).put8(1).putShort(topic, 0, topic.length, 255)
        .put(payload, 0, payload.length).finish());
  }

  /** PUBLISH of connection 7: QoS 1, a DATA topic, three payload bytes. */
  private static byte[] publishExample() {
    UartFrameWriter writer = new UartFrameWriter();
    int length = writer.begin(UartFrame.PUBLISH, 7).put8(1)
        .putShort(TOPIC, 0, TOPIC.length, UartFrame.MAX_TOPIC_LENGTH)
        .put(new byte[] {0x02, 0x03, 0x05}, 0, 3).finish();
    return Arrays.copyOf(writer.buffer(), length);
  }

  /** ACK of connection 7: one publish acknowledged. */
  private static byte[] ackExample() {
    UartFrameWriter writer = new UartFrameWriter();
    int length = writer.begin(UartFrame.ACK, 7).put16(1).finish();
    return Arrays.copyOf(writer.buffer(), length);
  }

  /** The hex block {@code ```hex name} of the spec. */
  private static byte[] example(String name) throws IOException {
    Matcher m = Pattern.compile("```hex " + name + "\\n(.*?)```", Pattern.DOTALL)
        .matcher(Files.readString(SPEC));
    if (!m.find()) {
      throw new AssertionError("UART-BRIDGE.md has no example '" + name + "'");
    }
    StringBuilder hex = new StringBuilder();
    for (String line : m.group(1).split("\n")) {
      hex.append(line.replaceFirst("^[0-9a-f]{4}\\s+", "").replace(" ", ""));
    }
    return HexFormat.of().parseHex(hex.toString());
  }

  /** Prints the examples' hex blocks for the document. */
  public static void main(String[] args) {
    print("publish", publishExample());
    print("ack", ackExample());
  }

  private static void print(String name, byte[] bytes) {
    System.out.println("```hex " + name);
    for (int at = 0; at < bytes.length; at += 16) {
      StringBuilder line = new StringBuilder(String.format("%04x ", at));
      for (int i = at; i < Math.min(bytes.length, at + 16); i++) {
        line.append(String.format(" %02x", bytes[i]));
      }
      System.out.println(line);
    }
    System.out.println("```");
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
