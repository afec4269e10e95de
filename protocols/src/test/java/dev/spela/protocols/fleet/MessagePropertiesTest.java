package dev.spela.protocols.fleet;

import static dev.spela.protocols.fleet.SampleMessages.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.image.LittleEndian;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Arbitrary bytes, truncations and bit flips: decoders never throw, and whatever they accept is
 * decoded consistently (it re-encodes, through the getters, to exactly the bytes received).
 */
class MessagePropertiesTest {

  private static final Message[] FLYWEIGHTS = new Message[TYPES.length];
  private static final byte[][] SAMPLES = new byte[TYPES.length][];

  static {
    for (int i = 0; i < TYPES.length; i++) {
      FLYWEIGHTS[i] = flyweight(TYPES[i]);
      SAMPLES[i] = sample(TYPES[i]);
    }
  }

  /** Decodes with the flyweight the header names (or every flyweight if it names none). */
  private static int decodeAndCheck(byte[] bytes, int offset, int length) {
    int type = Message.peekType(bytes, offset, length);
    int result = type;
    for (int i = 0; i < TYPES.length; i++) {
      int status = FLYWEIGHTS[i].wrap(bytes, offset, length);
      if (type < 0) {
        assertEquals(type, status, "header failures come first, whatever the flyweight");
      } else if (TYPES[i] != type) {
        assertEquals(FleetStatus.WRONG_TYPE, status);
      } else {
        result = status;
        if (status == FleetStatus.OK) {
          assertEquals(length, FLYWEIGHTS[i].encodedLength());
          assertArrayEquals(
              Arrays.copyOfRange(bytes, offset, offset + length), reencode(FLYWEIGHTS[i]));
        }
      }
    }
    assertTrue(result <= 0 || result == type);
    return result;
  }

  @Property(tries = 2000)
  void arbitraryBytesNeverThrow(
      @ForAll("arbitraryMessages") byte[] bytes, @ForAll @IntRange(max = 3) int offset) {
    byte[] framed = new byte[bytes.length + offset + 2];
    System.arraycopy(bytes, 0, framed, offset, bytes.length);
    int status = decodeAndCheck(framed, offset, bytes.length);
    Statistics.collect(status >= 0 ? "OK" : FleetStatus.name(status));
  }

  @Property(tries = 1000)
  void truncatedMessagesAreTruncated(
      @ForAll("types") int index, @ForAll @IntRange(max = 5000) int cut) {
    byte[] sample = SAMPLES[index];
    int length = cut % sample.length;
    assertEquals(FleetStatus.TRUNCATED, FLYWEIGHTS[index].wrap(sample, 0, length));
  }

  @Property(tries = 3000)
  void bitFlipsAreRejectedOrDecodedConsistently(
      @ForAll("types") int index,
      @ForAll @Size(min = 1, max = 3) int[] positions,
      @ForAll @IntRange(max = 7) int bit) {
    byte[] bytes = SAMPLES[index].clone();
    for (int p : positions) {
      bytes[Math.floorMod(p, bytes.length)] ^= (byte) (1 << bit);
    }
    int status = decodeAndCheck(bytes, 0, bytes.length);
    Statistics.collect(status >= 0 ? "OK" : FleetStatus.name(status));
  }

  @Property(tries = 1000)
  void appendedBytesAreALengthMismatchOrOversized(
      @ForAll("types") int index, @ForAll @IntRange(min = 1, max = 5000) int extra) {
    byte[] bytes = Arrays.copyOf(SAMPLES[index], SAMPLES[index].length + extra);
    int status = FLYWEIGHTS[index].wrap(bytes, 0, bytes.length);
    assertTrue(
        status == FleetStatus.LENGTH_MISMATCH || status == FleetStatus.OVERSIZED,
        FleetStatus.name(status));
  }

  @Property(tries = 2000)
  void arbitraryTopicsNeverThrowAndParsedOnesRewriteIdentically(@ForAll("topics") String text) {
    byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    Topic topic = new Topic();
    int status = topic.parse(bytes, 0, bytes.length);
    Statistics.collect(status == FleetStatus.OK ? "OK" : FleetStatus.name(status));
    if (status == FleetStatus.OK) {
      Name group = new Name();
      Name id = new Name();
      topic.group(group);
      assertEquals(FleetStatus.OK, topic.id(id));
      byte[] out = new byte[Topic.MAX_LENGTH];
      int length = Topic.write(out, 0, topic.kind(), group, id);
      assertArrayEquals(bytes, Arrays.copyOf(out, length));
    } else {
      assertEquals(FleetStatus.BAD_TOPIC, status);
    }
  }

  @Property(tries = 1000)
  void arbitraryBlocksNeverMoveProgressBackwards(@ForAll("blockEdits") int[] edit) {
    byte[] image = new byte[5000];
    Arrays.fill(image, (byte) 7);
    byte[] sha = new byte[32];
    ImageReceiver receiver = new ImageReceiver(8192, 10);
    assertEquals(FleetStatus.OK, receiver.restore(5, image.length, 10, sha, 0, 2048));
    byte[] wire = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
    BlockMessage block = new BlockMessage();
    block.wrapForEncode(wire, 0, wire.length, 0, 0);
    int length = Math.max(1, Math.min(image.length - Math.max(0, edit[1]), edit[2]));
    block.block(
        edit[0],
        edit[1] < 0 || edit[1] >= image.length ? 0 : edit[1],
        image,
        0,
        Math.min(length, 4096));
    LittleEndian.put32(wire, FleetProtocol.HEADER_LENGTH + BlockMessage.OFFSET, edit[1]);
    wire[Math.floorMod(edit[3], block.encodedLength())] ^= (byte) edit[4];
    BlockMessage decoded = new BlockMessage();
    int status = decoded.wrap(wire, 0, block.encodedLength());
    if (status == FleetStatus.OK) {
      status = receiver.accept(decoded);
      assertEquals(
          status == FleetStatus.OK ? 2048 + decoded.dataLength() : 2048, receiver.nextOffset());
      assertTrue(
          status != FleetStatus.OK
              || decoded.imageOffset() == 2048 && decoded.dataLength() == 1024);
    }
    Statistics.collect(FleetStatus.name(status));
  }

  @Provide
  Arbitrary<Integer> types() {
    return Arbitraries.integers().between(0, TYPES.length - 1);
  }

  /** Random bodies behind headers that are mostly well-formed, so decoding reaches the body. */
  @Provide
  Arbitrary<byte[]> arbitraryMessages() {
    Arbitrary<Integer> type =
        Arbitraries.oneOf(
            Arbitraries.of(Arrays.stream(TYPES).boxed().toList()),
            Arbitraries.integers().between(0, 255));
    Arbitrary<byte[]> body = Arbitraries.bytes().array(byte[].class).ofMaxSize(1200);
    Arbitrary<Integer> header = Arbitraries.integers().between(0, 9);
    return Combinators.combine(type, body, header)
        .as(
            (t, b, h) -> {
              byte[] bytes = new byte[FleetProtocol.HEADER_LENGTH + b.length];
              System.arraycopy(b, 0, bytes, FleetProtocol.HEADER_LENGTH, b.length);
              bytes[0] = (byte) (h == 0 ? 2 : 1);
              bytes[1] = (byte) (int) t;
              bytes[3] = (byte) (h == 1 ? 1 : 0);
              LittleEndian.put32(bytes, 8, h == 2 ? b.length + 1 : b.length);
              return h == 3 ? Arrays.copyOf(b, b.length % 24) : bytes;
            });
  }

  /** Valid topics with random edits, and random strings over the relevant alphabet. */
  @Provide
  Arbitrary<String> topics() {
    Arbitrary<String> valid =
        Arbitraries.of(
            "spela/v2/lab/BIRTH/vd-0001",
            "spela/v2/STATE/host-1",
            "spela/v2/PROVISION/REQ/SN-1",
            "spela/v2/PROVISION/REPLY/SN-1",
            "spela/v2/a.b_c-D/IMGRSP/x",
            "spela/v2/lab/IMG/d");
    Arbitrary<String> edited =
        Combinators.combine(
                valid,
                Arbitraries.integers().between(0, 40),
                Arbitraries.chars().with('/', '+', '#', 'a', 'S', '\u0000', '\u00ff', '.'))
            .as(
                (s, at, c) -> {
                  StringBuilder b = new StringBuilder(s);
                  int p = at % (s.length() + 1);
                  return at % 3 == 0
                      ? b.insert(p, c).toString()
                      : p < s.length()
                          ? (at % 3 == 1
                                  ? b.deleteCharAt(p)
                                  : b.replace(p, p + 1, String.valueOf(c)))
                              .toString()
                          : s;
                });
    Arbitrary<String> random =
        Arbitraries.strings().withChars("spela/v2STATEBIRTHPROVISIONREQ+#x-.").ofMaxLength(90);
    return Arbitraries.oneOf(valid, edited, random);
  }

  /** {transferId, offset, length, flipped byte position, flip mask}. */
  @Provide
  Arbitrary<int[]> blockEdits() {
    return Combinators.combine(
            Arbitraries.of(5, 6, 0),
            Arbitraries.of(2048, 1024, 3072, 0, 4096, -1, 5000),
            Arbitraries.of(1024, 1000, 2048, 4096),
            Arbitraries.integers().between(0, 5000),
            Arbitraries.of(0, 0, 1, 0x80))
        .as((id, offset, length, at, mask) -> new int[] {id, offset, length, at, mask});
  }
}
