package dev.spela.protocols.fleet;

import static dev.spela.protocols.fleet.SampleMessages.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.checksum.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The examples of PROTOCOL.md section 13 are what the encoders write, byte for byte, and what the
 * decoders read back: the document and the code cannot drift apart.
 */
class GoldenVectorsTest {

  private static final Path SPEC = Path.of("PROTOCOL.md");
  private static final Name GROUP = name("lab");
  private static final Name DEVICE = name("vd-0001");

  /** The BIRTH example, built from the values the document lists. */
  static byte[] birth() {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
    Sha256 sha = new Sha256();
    sha.update(abc, 0, abc.length);
    byte[] digest = new byte[32];
    sha.finish(digest, 0);
    byte[] buffer = new byte[200];
    BirthMessage birth = new BirthMessage();
    SampleMessages.check(birth.wrapForEncode(buffer, 0, buffer.length, 0, 42));
    birth
        .board(name("virtual-m4"))
        .runtimeVersion(0, 1)
        .capabilities(0x1F)
        .bootCount(7)
        .memory(262144, 90112, 1048576, 131072)
        .imageSlot(131072, 12)
        .image(BirthMessage.IMAGE_CONFIRMED, 0, 54584, digest, 0)
        .trainingState(BirthMessage.TRAINING)
        .model(2, 10, 167772, 12000)
        .deviceTimeMs(1700000000000L)
        .pendingTransfer(0, 0);
    return Arrays.copyOf(buffer, birth.encodedLength());
  }

  /** The DATA example. */
  static byte[] data() {
    byte[] buffer = new byte[200];
    DataMessage data = new DataMessage();
    SampleMessages.check(data.wrapForEncode(buffer, 0, buffer.length, 5, 42));
    data.record(260, BirthMessage.TRAINING, 1700000012345L).progress(12800, 1, 850, 90112, 167772);
    SampleMessages.check(data.layerCount(2));
    SampleMessages.check(data.layer(0, 26624, -16384, 212992));
    SampleMessages.check(data.layer(1, 29696, -23552, 98304));
    return Arrays.copyOf(buffer, data.encodedLength());
  }

  @Test
  void birthExampleMatchesTheEncoderAndDecodes() throws IOException {
    byte[] bytes = birth();
    assertEquals(dump("spela/v1/lab/BIRTH/vd-0001", bytes), block("birth"));
    assertEquals("spela/v1/lab/BIRTH/vd-0001", topic(Topic.BIRTH));
    BirthMessage decoded = new BirthMessage();
    assertEquals(FleetStatus.OK, decoded.wrap(bytes, 0, bytes.length));
    assertEquals(42, decoded.bdSeq());
    assertEquals(0x1F, decoded.capabilities());
    assertEquals(12000, decoded.samplesSeen());
  }

  @Test
  void dataExampleMatchesTheEncoderAndDecodes() throws IOException {
    byte[] bytes = data();
    assertEquals(dump("spela/v1/lab/DATA/vd-0001", bytes), block("data"));
    assertEquals("spela/v1/lab/DATA/vd-0001", topic(Topic.DATA));
    DataMessage decoded = new DataMessage();
    assertEquals(FleetStatus.OK, decoded.wrap(bytes, 0, bytes.length));
    assertEquals(260, decoded.recordCounter());
    assertEquals(5, decoded.seq());
    assertEquals(-23552, decoded.loss(1));
  }

  private static String topic(int kind) {
    byte[] out = new byte[Topic.MAX_LENGTH];
    int length = Topic.write(out, 0, kind, GROUP, DEVICE);
    return new String(out, 0, length, StandardCharsets.US_ASCII);
  }

  /** The document's format: a topic line, then 16 bytes a line after a 4-digit hex offset. */
  static String dump(String topic, byte[] bytes) {
    StringBuilder text = new StringBuilder("topic ").append(topic).append('\n');
    HexFormat hex = HexFormat.of();
    for (int at = 0; at < bytes.length; at += 16) {
      text.append(String.format("%04x ", at));
      for (int k = at; k < Math.min(at + 16, bytes.length); k++) {
        text.append(' ').append(hex.toHexDigits(bytes[k]));
      }
      text.append('\n');
    }
    return text.toString();
  }

  /** The lines of the fenced block opened by {@code ```hex <name>} in PROTOCOL.md. */
  private static String block(String name) throws IOException {
    List<String> lines = Files.readAllLines(SPEC, StandardCharsets.UTF_8);
    int start = lines.indexOf("```hex " + name);
    assertTrue(start >= 0, "PROTOCOL.md has no ```hex " + name + " block");
    List<String> body = new ArrayList<>();
    for (int k = start + 1; !lines.get(k).equals("```"); k++) {
      body.add(lines.get(k));
    }
    return String.join("\n", body) + "\n";
  }
}
