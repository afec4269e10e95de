package dev.spela.protocols.fleet;

import static dev.spela.subset.AllocationMeter.assertAllocatesNothing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.checksum.HmacSha256;
import dev.spela.subset.AllocationMeter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every fleet codec's error paths allocate nothing, from their very first call after construction:
 * each header rule and a body rule of every message type, encoders out of space or given bad
 * fields, malformed and reserved topics, invalid names, refused offers and blocks, bad receiver
 * state, messages the authenticator refuses, and claims and replies that fail authentication. Everything is built first; then the
 * first round is measured on its own, then warm rounds. Maven runs this under -Xint, in a JVM of
 * its own.
 */
@Tag("zero-allocation")
class FleetErrorZeroAllocationTest {

  static {
    // Initialisation, as on the device: the program is loaded (see AllocationMeter).
    AllocationMeter.loadClasses(
        FleetErrorZeroAllocationTest.class.getClassLoader(), Path.of("target", "classes"));
  }

  /** A received message that a flyweight must refuse: {@code expected}, or any failure if 0. */
  private record Malformed(Message reader, byte[] bytes, int offset, int length, int expected) {}

  private static final int HEADER = FleetProtocol.HEADER_LENGTH;

  // Everything the device preallocates, and every malformed input, built before measuring.
  private final Malformed[] malformed = malformedMessages();
  private final int[] results = new int[malformed.length + 64];
  private int refusals;
  private final byte[] out = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
  private final byte[] small = new byte[HEADER + 8];
  private final byte[] topicBytes = new byte[Topic.MAX_LENGTH];
  private final byte[][] badTopics = {
    SampleMessages.ascii("spela/v1/lab/CMD/vd-1"),
    SampleMessages.ascii("spela/v2/lab/CMD"),
    SampleMessages.ascii("spela/v2/lab/NOPE/vd-1"),
    SampleMessages.ascii("spela/v2/la+b/CMD/vd-1"),
    SampleMessages.ascii("spela/v2/lab/cmd/vd-1"),
    SampleMessages.ascii("spela/v2/STATE/host/extra"),
    SampleMessages.ascii("spela/v2/PROVISION/NOPE/SN-1"),
  };
  private final byte[] badName = SampleMessages.ascii("no spaces");
  private final byte[] badField = Arrays.copyOf(badName, Name.FIELD_LENGTH);
  private final byte[] zeroField = new byte[Name.FIELD_LENGTH];
  private final Topic topic = new Topic();
  private final Name name = new Name();
  private final Name empty = new Name();
  private final Name group = SampleMessages.name("lab");
  private final Name reserved = SampleMessages.name("STATE");
  private final Name device = SampleMessages.name("vd-0001");
  private final DataMessage data = new DataMessage();
  private final AckMessage ack = new AckMessage();
  private final BlockMessage block = new BlockMessage();
  private final BlockRequestMessage request = new BlockRequestMessage();
  private final OfferMessage offer = new OfferMessage();
  private final ClaimMessage claim = new ClaimMessage();
  private final ClaimReplyMessage reply = new ClaimReplyMessage();
  private final HmacSha256 mac = SampleMessages.mac();
  private final HmacSha256 otherMac = new HmacSha256();
  private final ImageReceiver noSlot = new ImageReceiver(0, 0);
  private final ImageReceiver smallBlocks = new ImageReceiver(8192, 10);
  private final ImageReceiver receiver = new ImageReceiver(8192, 12);
  private final DropCounters drops = new DropCounters();
  private final byte[] image = new byte[5000];
  private final byte[] offerBytes = offerFor(11, image.length, 10);
  private final byte[] hugeOfferBytes = offerFor(12, 9000, 10);
  private final byte[] bigBlockOfferBytes = offerFor(13, image.length, 12);
  private final byte[] firstBlockBytes = blockAt(11, 0, 1024);
  private final byte[] secondBlockBytes = blockAt(11, 1024, 1024);
  private final byte[] shortBlockBytes = blockAt(11, 0, 10);
  private final byte[] otherTransferBytes = blockAt(99, 0, 1024);
  private final byte[] replyBytes = SampleMessages.sample(FleetProtocol.CLAIM_REPLY);
  private final byte[] claimBytes = SampleMessages.sample(FleetProtocol.CLAIM);
  private final byte[] oversized = new byte[FleetProtocol.MAX_MESSAGE_LENGTH + 1];
  private final byte[] command = SampleMessages.sample(FleetProtocol.COMMAND);
  private final CommandMessage plainCommand = new CommandMessage();
  private final MessageAuthenticator unkeyed = new MessageAuthenticator();
  private final MessageAuthenticator authenticator = new MessageAuthenticator();

  FleetErrorZeroAllocationTest() {
    otherMac.key(badName, 0, badName.length);
    SampleMessages.check(authenticator.key(SampleMessages.DEVICE_KEY, 0));
  }

  private static Malformed[] malformedMessages() {
    List<Malformed> all = new ArrayList<>();
    for (int type : SampleMessages.TYPES) {
      byte[] ok = SampleMessages.sample(type);
      int otherType = type == FleetProtocol.COMMAND ? FleetProtocol.OFFER : FleetProtocol.COMMAND;
      byte[] shorterBody = ok.clone();
      writeBodyLength(shorterBody, ok.length - HEADER - 1);
      byte[] longerBody = ok.clone();
      writeBodyLength(longerBody, ok.length - HEADER + 1);
      byte[] allOnes = ok.clone();
      Arrays.fill(allOnes, HEADER, allOnes.length, (byte) 0xFF);
      all.add(new Malformed(SampleMessages.flyweight(type), null, 0, 0, FleetStatus.BAD_ARGUMENT));
      all.add(new Malformed(reader(type), ok, -1, ok.length, FleetStatus.BAD_ARGUMENT));
      all.add(new Malformed(reader(type), ok, 0, HEADER - 1, FleetStatus.TRUNCATED));
      all.add(malformed(type, ok, 0, FleetProtocol.VERSION + 1, FleetStatus.UNSUPPORTED_VERSION));
      all.add(malformed(type, ok, 1, 0x7F, FleetStatus.UNKNOWN_TYPE));
      all.add(malformed(type, ok, 1, otherType, FleetStatus.WRONG_TYPE));
      all.add(malformed(type, ok, FleetProtocol.H_FLAGS, 2, FleetStatus.BAD_FIELD));
      all.add(
          new Malformed(
              reader(type),
              Arrays.copyOf(ok, FleetProtocol.MAX_MESSAGE_LENGTH + 1),
              0,
              FleetProtocol.MAX_MESSAGE_LENGTH + 1,
              FleetStatus.OVERSIZED));
      all.add(new Malformed(reader(type), longerBody, 0, ok.length, FleetStatus.TRUNCATED));
      all.add(new Malformed(reader(type), shorterBody, 0, ok.length, FleetStatus.LENGTH_MISMATCH));
      if (type != FleetProtocol.RECEIPT) { // every RECEIPT body with a non-zero bitmap is valid
        all.add(new Malformed(reader(type), allOnes, 0, ok.length, 0));
      }
    }
    all.add(zeroU32(FleetProtocol.RECEIPT, ReceiptMessage.BITMAP));
    // Body rules of the variable-length types, once their lengths agree.
    all.add(bodyRule(FleetProtocol.DATA, DataMessage.RESERVED_5, 1));
    all.add(bodyRule(FleetProtocol.ACK, AckMessage.RESERVED_5, 1));
    all.add(zeroU32(FleetProtocol.BLOCK, BlockMessage.TRANSFER_ID));
    return all.toArray(new Malformed[0]);
  }

  private static Message reader(int type) {
    return SampleMessages.flyweight(type);
  }

  private static Malformed malformed(int type, byte[] ok, int at, int value, int expected) {
    byte[] bytes = ok.clone();
    bytes[at] = (byte) value;
    return new Malformed(reader(type), bytes, 0, bytes.length, expected);
  }

  /** A sample whose body byte {@code field} is set to {@code value}: BAD_FIELD by a body rule. */
  /** The sample of {@code type} with the u32 at body offset {@code field} zeroed: a BAD_FIELD. */
  private static Malformed zeroU32(int type, int field) {
    byte[] bytes = SampleMessages.sample(type);
    Arrays.fill(bytes, HEADER + field, HEADER + field + 4, (byte) 0);
    return new Malformed(reader(type), bytes, 0, bytes.length, FleetStatus.BAD_FIELD);
  }

  private static Malformed bodyRule(int type, int field, int value) {
    return malformed(type, SampleMessages.sample(type), HEADER + field, value, FleetStatus.BAD_FIELD);
  }

  private static void writeBodyLength(byte[] message, int length) {
    for (int k = 0; k < 4; k++) {
      message[FleetProtocol.H_BODY_LENGTH + k] = (byte) (length >>> (8 * k));
    }
  }

  private static byte[] offerFor(int transferId, int length, int blockLog2) {
    byte[] bytes = new byte[HEADER + OfferMessage.BODY_LENGTH];
    OfferMessage encoder = new OfferMessage();
    SampleMessages.check(encoder.wrapForEncode(bytes, 0, bytes.length, 0, 1));
    encoder.offer(transferId, length, blockLog2, SampleMessages.SHA, 0);
    return bytes;
  }

  private static byte[] blockAt(int transferId, int offset, int length) {
    byte[] bytes = new byte[HEADER + BlockMessage.DATA + length];
    BlockMessage encoder = new BlockMessage();
    SampleMessages.check(encoder.wrapForEncode(bytes, 0, bytes.length, 0, 1));
    SampleMessages.check(encoder.block(transferId, offset, new byte[length], 0, length));
    return bytes;
  }

  /**
   * One round of every error path. The statuses land in {@link #results}: first the malformed
   * messages', then the other refusals' (each a negative status, or -1 for a false check).
   */
  private void errorRound() {
    int r = 0;
    for (Malformed m : malformed) {
      results[r++] = drops.drop(m.reader().wrap(m.bytes(), m.offset(), m.length()));
    }
    // Encoders: bad arguments, no space, fields out of range.
    results[r++] = data.wrapForEncode(null, 0, 0, 0, 1);
    results[r++] = data.wrapForEncode(small, 0, small.length, 0, 1);
    results[r++] = data.wrapForEncode(out, 0, out.length, 0, 1) | data.layerCount(65);
    results[r++] = data.layer(99, 0, 0, 0);
    results[r++] =
        data.wrapForEncode(out, 0, HEADER + DataMessage.LAYERS + 16, 0, 1) | data.layerCount(2);
    results[r++] = ack.wrapForEncode(out, 0, out.length, 0, 1) | ack.result(1, 65);
    results[r++] = ack.accuracy(99, 1);
    results[r++] = block.wrapForEncode(out, 0, out.length, 0, 1) | block.block(1, 0, image, 0, 0);
    results[r++] = block.block(1, 0, image, image.length - 10, 1024);
    results[r++] =
        block.wrapForEncode(out, 0, HEADER + BlockMessage.DATA + 10, 0, 1)
            | block.block(1, 0, image, 0, 1024);
    // Topics and names.
    results[r++] = topic.parse(null, 0, 0);
    for (byte[] bad : badTopics) {
      results[r++] = topic.parse(bad, 0, bad.length);
    }
    results[r++] = Topic.write(topicBytes, 0, 0, group, device);
    results[r++] = Topic.write(topicBytes, 0, Topic.DATA, reserved, device);
    results[r++] = Topic.write(topicBytes, 0, Topic.DATA, group, empty);
    results[r++] = Topic.write(topicBytes, Topic.MAX_LENGTH - 5, Topic.DATA, group, device);
    results[r++] = name.set(badName, 0, badName.length);
    results[r++] = name.readField(zeroField, 0);
    results[r++] = Name.checkField(badField, 0);
    results[r++] = FleetProtocol.receivedType(Topic.COMMAND, oversized, oversized.length);
    results[r++] = FleetProtocol.receivedType(Topic.DATA, command, command.length);
    // Image transfer: refused offers, rejected blocks and requests, a failed whole-image check.
    offer.wrap(offerBytes, 0, offerBytes.length);
    results[r++] = noSlot.offer(offer) == ImageReceiver.REFUSE ? -noSlot.refusal() : 1;
    offer.wrap(hugeOfferBytes, 0, hugeOfferBytes.length);
    results[r++] = receiver.offer(offer) == ImageReceiver.REFUSE ? -receiver.refusal() : 1;
    offer.wrap(bigBlockOfferBytes, 0, bigBlockOfferBytes.length);
    results[r++] = smallBlocks.offer(offer) == ImageReceiver.REFUSE ? -smallBlocks.refusal() : 1;
    receiver.clear();
    block.wrap(firstBlockBytes, 0, firstBlockBytes.length);
    results[r++] = receiver.accept(block);
    results[r++] = receiver.request(request, 1);
    offer.wrap(offerBytes, 0, offerBytes.length);
    receiver.offer(offer);
    results[r++] = receiver.accept(wrapped(otherTransferBytes));
    results[r++] = receiver.accept(wrapped(secondBlockBytes));
    results[r++] = receiver.accept(wrapped(shortBlockBytes));
    firstBlockBytes[HEADER + BlockMessage.DATA] ^= 1;
    results[r++] = receiver.accept(wrapped(firstBlockBytes));
    firstBlockBytes[HEADER + BlockMessage.DATA] ^= 1;
    receiver.accept(wrapped(firstBlockBytes));
    results[r++] = receiver.accept(wrapped(firstBlockBytes));
    request.wrapForEncode(out, 0, out.length, 0, 1);
    results[r++] = receiver.request(request, 0);
    results[r++] = receiver.restore(0, 10, 10, SampleMessages.SHA, 0, 0);
    receiver.hash(image, 0, 100);
    results[r++] = receiver.hashMatches(100) ? 1 : -1;
    // Authentication failures: the trailer's MAC, claims and replies.
    plainCommand.wrap(command, 0, command.length);
    results[r++] = unkeyed.seal(topicBytes, 0, 5, plainCommand);
    results[r++] = authenticator.seal(null, 0, 0, plainCommand);
    results[r++] = authenticator.seal(topicBytes, 0, 5, plainCommand);
    results[r++] = authenticator.verify(topicBytes, 0, 5, plainCommand);
    reply.wrap(replyBytes, 0, replyBytes.length);
    results[r++] = reply.macMatches(otherMac) ? 1 : -1;
    results[r++] = reply.nonceEquals(image, 0) ? 1 : -1;
    claim.wrap(claimBytes, 0, claimBytes.length);
    results[r++] = claim.macMatches(otherMac) ? 1 : -1;
    refusals = r - malformed.length;
  }

  private BlockMessage wrapped(byte[] bytes) {
    block.wrap(bytes, 0, bytes.length);
    return block;
  }

  private void checkResults() {
    for (int k = 0; k < malformed.length; k++) {
      Malformed m = malformed[k];
      if (m.expected() != 0) {
        assertEquals(FleetStatus.name(m.expected()), FleetStatus.name(results[k]), m.toString());
      }
      assertTrue(results[k] < 0, () -> m + " was accepted");
    }
    for (int k = malformed.length; k < malformed.length + refusals; k++) {
      assertTrue(results[k] < 0, "refusal " + (k - malformed.length) + " was not: " + results[k]);
    }
    assertTrue(drops.total() >= malformed.length);
  }

  @Test
  void everyErrorPathAllocatesNothing() {
    assertAllocatesNothing("the first round of error paths", this::errorRound);
    checkResults();
    assertAllocatesNothing(
        "50 warm rounds of error paths",
        () -> {
          for (int n = 0; n < 50; n++) {
            errorRound();
          }
        });
    checkResults();
  }
}
