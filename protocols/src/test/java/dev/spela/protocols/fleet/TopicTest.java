package dev.spela.protocols.fleet;

import static dev.spela.protocols.fleet.SampleMessages.ascii;
import static dev.spela.protocols.fleet.SampleMessages.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TopicTest {

  private static final Name GROUP = name("lab");
  private static final Name DEVICE = name("vd-0001");

  private static String write(int kind, Name group, Name id) {
    byte[] out = new byte[Topic.MAX_LENGTH];
    int length = Topic.write(out, 0, kind, group, id);
    assertTrue(length > 0, FleetStatus.name(length));
    return new String(out, 0, length, StandardCharsets.US_ASCII);
  }

  private static int parse(Topic topic, String text) {
    byte[] bytes = ascii(text);
    return topic.parse(bytes, 0, bytes.length);
  }

  @Test
  void everyKindIsWrittenAsSpecified() {
    assertEquals("spela/v2/lab/BIRTH/vd-0001", write(Topic.BIRTH, GROUP, DEVICE));
    assertEquals("spela/v2/lab/DEATH/vd-0001", write(Topic.DEATH, GROUP, DEVICE));
    assertEquals("spela/v2/lab/DATA/vd-0001", write(Topic.DATA, GROUP, DEVICE));
    assertEquals("spela/v2/lab/ACK/vd-0001", write(Topic.ACK, GROUP, DEVICE));
    assertEquals("spela/v2/lab/IMGRSP/vd-0001", write(Topic.IMAGE_REPLY, GROUP, DEVICE));
    assertEquals("spela/v2/lab/CMD/vd-0001", write(Topic.COMMAND, GROUP, DEVICE));
    assertEquals("spela/v2/lab/IMG/vd-0001", write(Topic.IMAGE, GROUP, DEVICE));
    assertEquals("spela/v2/STATE/host-1", write(Topic.STATE, null, name("host-1")));
    assertEquals("spela/v2/PROVISION/REQ/SN-17", write(Topic.CLAIM_REQUEST, null, name("SN-17")));
    assertEquals("spela/v2/PROVISION/REPLY/SN-17", write(Topic.CLAIM_REPLY, GROUP, name("SN-17")));
  }

  @Test
  void writtenTopicsParseBackToTheirKindGroupAndId() {
    Topic topic = new Topic();
    Name copy = new Name();
    for (int kind = Topic.BIRTH; kind <= Topic.CLAIM_REPLY; kind++) {
      String text = write(kind, GROUP, DEVICE);
      assertEquals(FleetStatus.OK, parse(topic, text), text);
      assertEquals(kind, topic.kind());
      assertTrue(topic.idIs(DEVICE));
      assertEquals(FleetStatus.OK, topic.id(copy));
      assertTrue(copy.equalTo(DEVICE));
      assertEquals(Topic.isDeviceTopic(kind), topic.groupIs(GROUP));
      assertEquals(
          Topic.isDeviceTopic(kind) ? FleetStatus.OK : FleetStatus.BAD_FIELD, topic.group(copy));
    }
  }

  @Test
  void theLongestTopicFitsMaxLength() {
    Name longName = name("g".repeat(32));
    byte[] out = new byte[Topic.MAX_LENGTH];
    assertEquals(
        Topic.MAX_LENGTH, Topic.write(out, 0, Topic.IMAGE_REPLY, longName, name("d".repeat(32))));
    assertEquals(
        FleetStatus.NO_SPACE,
        Topic.write(
            new byte[Topic.MAX_LENGTH - 1], 0, Topic.IMAGE_REPLY, longName, name("d".repeat(32))));
    assertEquals(
        FleetStatus.NO_SPACE,
        Topic.write(out, 1, Topic.IMAGE_REPLY, longName, name("d".repeat(32))));
  }

  @Test
  void invalidArgumentsAreRefusedWhenWriting() {
    byte[] out = new byte[Topic.MAX_LENGTH];
    assertEquals(FleetStatus.BAD_FIELD, Topic.write(out, 0, 0, GROUP, DEVICE));
    assertEquals(FleetStatus.BAD_FIELD, Topic.write(out, 0, 11, GROUP, DEVICE));
    assertEquals(FleetStatus.BAD_FIELD, Topic.write(out, 0, Topic.DATA, null, DEVICE));
    assertEquals(FleetStatus.BAD_FIELD, Topic.write(out, 0, Topic.DATA, GROUP, new Name()));
    assertEquals(FleetStatus.BAD_FIELD, Topic.write(out, 0, Topic.DATA, name("STATE"), DEVICE));
    assertEquals(FleetStatus.BAD_FIELD, Topic.write(out, 0, Topic.DATA, name("PROVISION"), DEVICE));
    assertTrue(
        Topic.write(out, 0, Topic.DATA, name("state"), DEVICE) > 0, "names are case-sensitive");
  }

  @Test
  void anythingOutsideTheNamespaceIsBadTopic() {
    Topic topic = new Topic();
    String[] bad = {
      "",
      "spela",
      "spela/v2",
      "spela/v2/",
      "spela/v1/lab/DATA/d",
      "spela/v3/lab/DATA/d",
      "Spela/v2/lab/DATA/d",
      "spela/v2/lab/data/d",
      "spela/v2/lab/DATA",
      "spela/v2/lab/DATA/",
      "spela/v2//DATA/d",
      "spela/v2/lab/DATA/d/extra",
      "spela/v2/lab/FOO/d",
      "spela/v2/lab/DATA/d+",
      "spela/v2/+/DATA/d",
      "spela/v2/lab/DATA/#",
      "spela/v2/STATE",
      "spela/v2/STATE/",
      "spela/v2/STATE/h/x",
      "spela/v2/STATE/BIRTH/d",
      "spela/v2/PROVISION/REQ",
      "spela/v2/PROVISION/ACK/x",
      "spela/v2/PROVISION/BIRTH/x",
      "spela/v2/lab/REQ/x",
      "spela/v2/" + "g".repeat(33) + "/DATA/d",
      "spela/v2/lab/DATA/" + "d".repeat(33),
      "spela/v2/lab/DATA/d\u00e9",
      "spela/v2/lab/DATA/d e",
      "/spela/v2/lab/DATA/d",
      "spela/v2/lab//DATA/d",
    };
    for (String text : bad) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      assertEquals(FleetStatus.BAD_TOPIC, topic.parse(bytes, 0, bytes.length), text);
      assertEquals(0, topic.kind());
      assertFalse(topic.idIs(DEVICE));
    }
    assertEquals(FleetStatus.BAD_ARGUMENT, topic.parse(null, 0, 0));
    assertEquals(FleetStatus.BAD_ARGUMENT, topic.parse(new byte[4], 2, 3));
  }

  @Test
  void aTopicInsideALargerBufferParsesAtItsOffset() {
    byte[] bytes = ascii("xxspela/v2/lab/CMD/vd-0001yy");
    Topic topic = new Topic();
    assertEquals(FleetStatus.OK, topic.parse(bytes, 2, bytes.length - 4));
    assertEquals(Topic.COMMAND, topic.kind());
    assertTrue(topic.groupIs(GROUP));
    assertTrue(topic.idIs(DEVICE));
    assertFalse(topic.idIs(name("vd-0002")));
  }

  @Test
  void namesFollowTheAlphabetAndLengthRules() {
    Name n = new Name();
    byte[] ok = ascii("A-z_0.9");
    assertEquals(FleetStatus.OK, n.set(ok, 0, ok.length));
    byte[] field = new byte[32];
    n.writeField(field, 0);
    assertEquals(FleetStatus.OK, Name.checkField(field, 0));
    field[20] = 'x';
    assertEquals(FleetStatus.BAD_FIELD, Name.checkField(field, 0));
    assertEquals(FleetStatus.BAD_FIELD, n.set(ascii("a/b"), 0, 3));
    assertEquals(FleetStatus.BAD_FIELD, n.set(new byte[0], 0, 0));
    assertEquals(FleetStatus.BAD_FIELD, n.set(ascii("x".repeat(33)), 0, 33));
    assertTrue(n.equalTo(ok, 0, ok.length), "a failed set leaves the name unchanged");
    assertTrue(Name.isEmptyField(new byte[32], 0));
  }
}
