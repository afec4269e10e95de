package dev.spela.protocols.fleet;

import static dev.spela.subset.AllocationMeter.assertAllocatesNothing;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spela.protocols.checksum.HmacSha256;
import dev.spela.subset.AllocationMeter;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The device's hot paths allocate nothing after construction, from the very first round (run
 * under -Xint, where no escape analysis hides allocations, in a JVM of its own): telemetry
 * encoding and its MAC, command decoding and checking, image block handling, topic writing and
 * parsing, and claim signing. FleetErrorZeroAllocationTest covers the error paths.
 */
@Tag("zero-allocation")
class FleetZeroAllocationTest {

  static {
    // Initialisation, as on the device: the program is loaded (see AllocationMeter).
    AllocationMeter.loadClasses(
        FleetZeroAllocationTest.class.getClassLoader(), Path.of("target", "classes"));
  }

  // Everything the device preallocates.
  private final byte[] out = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
  private final byte[] topicBytes = new byte[Topic.MAX_LENGTH];
  private final byte[] slot = new byte[8192];
  private final Name group = SampleMessages.name("lab");
  private final Name device = SampleMessages.name("vd-0001");
  private final Name claimId = SampleMessages.name("SN-000417");
  private final Name board = SampleMessages.name("virtual-m4");
  private final Topic topic = new Topic();
  private final DataMessage data = new DataMessage();
  private final BirthMessage birth = new BirthMessage();
  private final AckMessage ack = new AckMessage();
  private final CommandMessage command = new CommandMessage();
  private final OfferMessage offer = new OfferMessage();
  private final BlockMessage block = new BlockMessage();
  private final BlockRequestMessage request = new BlockRequestMessage();
  private final ClaimMessage claim = new ClaimMessage();
  private final ClaimReplyMessage reply = new ClaimReplyMessage();
  private final ImageReceiver receiver = new ImageReceiver(slot.length, 12);
  private final DropCounters drops = new DropCounters();
  private final HmacSha256 mac = SampleMessages.mac();
  private final MessageAuthenticator authenticator = new MessageAuthenticator();

  // What arrives from the host, prepared before measuring.
  private final byte[] commandIn = SampleMessages.sample(FleetProtocol.COMMAND);
  private final byte[] commandTopic = SampleMessages.ascii("spela/v2/lab/CMD/vd-0001");
  private final byte[] authenticatedCommandIn =
      SampleMessages.authenticatedSample(FleetProtocol.COMMAND, "spela/v2/lab/CMD/vd-0001", 5);
  private final byte[][] blocksIn = blockBytes();
  private final byte[] replyIn = SampleMessages.sample(FleetProtocol.CLAIM_REPLY);
  private int seq;

  private static final byte[] IMAGE = image();
  private final byte[] offerIn = offerBytes();

  private static byte[] image() {
    byte[] image = new byte[5000];
    for (int k = 0; k < image.length; k++) {
      image[k] = (byte) (k * 7 + 1);
    }
    return image;
  }

  private static byte[] offerBytes() {
    byte[] bytes = new byte[FleetProtocol.HEADER_LENGTH + OfferMessage.BODY_LENGTH];
    OfferMessage encoder = new OfferMessage();
    encoder.wrapForEncode(bytes, 0, bytes.length, 0, 1);
    encoder.offer(11, IMAGE.length, 10, ImageReceiverTest.sha(IMAGE), 0);
    return bytes;
  }

  private static byte[][] blockBytes() {
    byte[][] blocks = new byte[5][];
    BlockMessage encoder = new BlockMessage();
    for (int b = 0; b < blocks.length; b++) {
      blocks[b] = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
      encoder.wrapForEncode(blocks[b], 0, blocks[b].length, 0, 1);
      encoder.block(11, b * 1024, IMAGE, b * 1024, Math.min(1024, IMAGE.length - b * 1024));
    }
    return blocks;
  }

  /** One round of device work; returns a non-zero value if anything did not go as expected. */
  private int deviceRound() {
    int failures = 0;
    // Telemetry: topic and DATA record with 3 layers, authenticated.
    int dataTopicLength = Topic.write(topicBytes, 0, Topic.DATA, group, device);
    failures |= dataTopicLength > 0 ? 0 : 1;
    failures |= data.wrapForEncode(out, 0, out.length, seq++, 42);
    data.record(seq, BirthMessage.TRAINING, 1700000012345L).progress(12800, 1, 850, 90112, 167772);
    failures |= data.layerCount(3);
    for (int k = 0; k < 3; k++) {
      failures |= data.layer(k, 26624 + k, -16384, 212992L * k);
    }
    failures |= data.authenticate((42L << 32) | seq);
    failures |= authenticator.seal(topicBytes, 0, dataTopicLength, data);
    // BIRTH and an EVALUATE answer.
    failures |= birth.wrapForEncode(out, 0, out.length, 0, 42);
    birth
        .board(board)
        .runtimeVersion(0, 1)
        .capabilities(BirthMessage.KNOWN_CAPABILITIES)
        .memory(262144, 90112, 1 << 20, 131072)
        .imageSlot(8192, 12)
        .image(BirthMessage.IMAGE_NONE, 0, 0, null, 0)
        .model(3, 10, 167772, 5);
    failures |= ack.wrapForEncode(out, 0, out.length, seq++, 42);
    ack.answer(12, CommandMessage.EVALUATE, AckMessage.OK);
    failures |= ack.result(100, 3);
    failures |= ack.accuracy(2, 30000);
    // A command arrives: parse its topic, check it is ours, decode it.
    failures |= topic.parse(commandTopic, 0, commandTopic.length);
    failures |= topic.kind() == Topic.COMMAND && topic.groupIs(group) && topic.idIs(device) ? 0 : 1;
    failures |= Message.peekType(commandIn, 0, commandIn.length) == FleetProtocol.COMMAND ? 0 : 1;
    failures |= command.wrap(commandIn, 0, commandIn.length);
    failures |=
        command.code() == CommandMessage.SET_LEARNING_RATE && command.argument() == 83886 ? 0 : 1;
    failures |= drops.drop(command.wrap(commandIn, 0, 11)) == FleetStatus.TRUNCATED ? 0 : 1;
    failures |= command.wrap(authenticatedCommandIn, 0, authenticatedCommandIn.length);
    failures |= authenticator.verify(commandTopic, 0, commandTopic.length, command);
    authenticatedCommandIn[14] ^= 1;
    failures |= command.wrap(authenticatedCommandIn, 0, authenticatedCommandIn.length);
    failures |=
        authenticator.verify(commandTopic, 0, commandTopic.length, command) == FleetStatus.BAD_MAC
            ? 0
            : 1;
    authenticatedCommandIn[14] ^= 1;
    // An image transfer: offer, blocks (one corrupted, one repeated), requests, digest.
    failures |= offer.wrap(offerIn, 0, offerIn.length);
    receiver.clear();
    failures |= receiver.offer(offer) == ImageReceiver.START ? 0 : 1;
    for (int b = 0; b < blocksIn.length; b++) {
      failures |= request.wrapForEncode(out, 0, out.length, seq++, 42);
      failures |= receiver.request(request, 4);
      failures |=
          block.wrap(
              blocksIn[b],
              0,
              FleetProtocol.HEADER_LENGTH
                  + BlockMessage.DATA
                  + Math.min(1024, IMAGE.length - b * 1024));
      if (b == 2) {
        blocksIn[b][100] ^= 1;
        failures |= drops.drop(receiver.accept(block)) == FleetStatus.BAD_CRC ? 0 : 1;
        blocksIn[b][100] ^= 1;
      }
      failures |= receiver.accept(block);
      System.arraycopy(
          block.buffer(), block.dataOffset(), slot, block.imageOffset(), block.dataLength());
      failures |= drops.drop(receiver.accept(block)) == FleetStatus.DUPLICATE ? 0 : 1;
    }
    receiver.hash(slot, 0, IMAGE.length);
    failures |= receiver.complete() && receiver.hashMatches(IMAGE.length) ? 0 : 1;
    // Provisioning: sign a claim, check a reply.
    failures |= Topic.write(topicBytes, 0, Topic.CLAIM_REQUEST, null, claimId) > 0 ? 0 : 1;
    failures |= claim.wrapForEncode(out, 0, out.length, 0, 0);
    claim.claim(claimId, board, SampleMessages.NONCE, 0, mac);
    failures |= reply.wrap(replyIn, 0, replyIn.length);
    failures |= reply.nonceEquals(SampleMessages.NONCE, 0) && reply.macMatches(mac) ? 0 : 1;
    return failures;
  }

  @Test
  void deviceHotPathsAllocateNothing() {
    SampleMessages.check(authenticator.key(SampleMessages.DEVICE_KEY, 0));
    int[] failures = new int[1];
    assertAllocatesNothing("the first round", () -> failures[0] |= deviceRound());
    assertEquals(0, failures[0]);
    assertAllocatesNothing(
        "100 warm rounds",
        () -> {
          for (int n = 0; n < 100; n++) {
            failures[0] |= deviceRound();
          }
        });
    assertEquals(0, failures[0]);
  }
}
