package dev.spela.protocols.fleet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImageValidator;
import dev.spela.protocols.image.TestImages;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Image transfers between a host (encoders, as the host tools use them) and a device ({@link
 * ImageReceiver} writing a slot array), with a real model image, over a channel that loses,
 * corrupts, repeats and reorders blocks, and a device that reboots mid-transfer.
 */
class ImageReceiverTest {

  private static final byte[] IMAGE = TestImages.build(300, 10, new int[] {64, 32}, 5);
  private static final int BLOCK_LOG2 = 10;

  private final byte[] slot = new byte[64 * 1024];
  private final byte[] wire = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
  private final OfferMessage offer = new OfferMessage();
  private final BlockMessage block = new BlockMessage();
  private final BlockRequestMessage request = new BlockRequestMessage();

  /** The image SHA-256 an OFFER announces: of the whole image. */
  static byte[] sha(byte[] image) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(image);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private OfferMessage offer(int transferId, byte[] image, int blockLog2) {
    OfferMessage encoder = new OfferMessage();
    encoder.wrapForEncode(wire, 0, wire.length, 0, 1);
    encoder.offer(transferId, image.length, blockLog2, sha(image), 0);
    assertEquals(FleetStatus.OK, offer.wrap(wire, 0, encoder.encodedLength()));
    return offer;
  }

  /** The host's answer to one requested block, decoded as the device sees it. */
  private BlockMessage block(int transferId, byte[] image, int offset, int blockLog2) {
    BlockMessage encoder = new BlockMessage();
    encoder.wrapForEncode(wire, 0, wire.length, 0, 1);
    int length = Math.min(1 << blockLog2, image.length - offset);
    assertEquals(FleetStatus.OK, encoder.block(transferId, offset, image, offset, length));
    assertEquals(FleetStatus.OK, block.wrap(wire, 0, encoder.encodedLength()));
    return block;
  }

  private void write(BlockMessage accepted) {
    System.arraycopy(
        accepted.buffer(),
        accepted.dataOffset(),
        slot,
        accepted.imageOffset(),
        accepted.dataLength());
  }

  private int requestedOffset(ImageReceiver receiver) {
    request.wrapForEncode(wire, 0, wire.length, 3, 1);
    assertEquals(FleetStatus.OK, receiver.request(request, 4));
    return request.imageOffset();
  }

  @Test
  void aLossyTransferCompletesVerifiesAndYieldsAValidModelImage() {
    assertTrue(IMAGE.length > 20 * 1024, "several blocks");
    ImageReceiver receiver = new ImageReceiver(slot.length, 12);
    assertEquals(ImageReceiver.START, receiver.offer(offer(7, IMAGE, BLOCK_LOG2)));
    int sent = 0;
    DropCounters drops = new DropCounters();
    while (!receiver.complete()) {
      int offset = requestedOffset(receiver);
      assertEquals(receiver.nextOffset(), offset);
      sent++;
      BlockMessage b = block(7, IMAGE, offset, BLOCK_LOG2);
      if (sent % 5 == 0) {
        wire[b.dataOffset() + 3] ^= 0x40; // corrupted on the way: asked again at once
        assertEquals(FleetStatus.BAD_CRC, drops.drop(receiver.accept(block)));
        continue;
      }
      if (sent % 7 == 0 && offset + 1024 < IMAGE.length) {
        // An earlier block was lost: the next one arrives out of order and is dropped.
        block(7, IMAGE, offset + 1024, BLOCK_LOG2);
        assertEquals(FleetStatus.OUT_OF_ORDER, drops.drop(receiver.accept(block)));
        continue;
      }
      assertEquals(FleetStatus.OK, receiver.accept(b));
      write(b);
      if (sent % 3 == 0) { // QoS 1-like duplicate: dropped, progress unchanged
        block(7, IMAGE, offset, BLOCK_LOG2);
        assertEquals(FleetStatus.DUPLICATE, drops.drop(receiver.accept(block)));
      }
      block(8, IMAGE, 0, BLOCK_LOG2);
      assertEquals(FleetStatus.WRONG_TRANSFER, drops.drop(receiver.accept(block)));
    }
    assertEquals(IMAGE.length, receiver.nextOffset());
    assertTrue(drops.count(FleetStatus.BAD_CRC) > 0 && drops.count(FleetStatus.OUT_OF_ORDER) > 0);
    assertEquals(FleetStatus.BAD_FIELD, receiver.request(request, 1), "nothing left to request");
    assertEquals(FleetStatus.DUPLICATE, receiver.accept(block(7, IMAGE, 0, BLOCK_LOG2)));

    receiver.hash(slot, 0, IMAGE.length);
    assertTrue(receiver.hashMatches(IMAGE.length));
    assertArrayEquals(IMAGE, Arrays.copyOf(slot, IMAGE.length));
    assertEquals(ImageStatus.OK, new ModelImageValidator().validate(slot, 0, IMAGE.length));
  }

  @Test
  void aRebootedDeviceResumesFromItsPersistedProgress() {
    ImageReceiver before = new ImageReceiver(slot.length, 11);
    assertEquals(ImageReceiver.START, before.offer(offer(9, IMAGE, 11)));
    for (int n = 0; n < 4; n++) {
      BlockMessage b = block(9, IMAGE, requestedOffset(before), 11);
      assertEquals(FleetStatus.OK, before.accept(b));
      write(b);
    }
    byte[] sha = new byte[32];
    before.sha256(sha, 0);
    int transferId = before.transferId();
    int length = before.imageLength();
    int log2 = before.blockLog2();
    int next = before.nextOffset();
    assertEquals(4 * 2048, next);

    ImageReceiver after = new ImageReceiver(slot.length, 11);
    assertEquals(FleetStatus.OK, after.restore(transferId, length, log2, sha, 0, next));
    assertEquals(next, requestedOffset(after), "BLOCK_REQUEST after BIRTH starts at the progress");
    assertEquals(
        ImageReceiver.RESUME, after.offer(offer(9, IMAGE, 11)), "a repeated OFFER resumes");
    assertEquals(next, after.nextOffset());
    while (!after.complete()) {
      BlockMessage b = block(9, IMAGE, requestedOffset(after), 11);
      assertEquals(FleetStatus.OK, after.accept(b));
      write(b);
    }
    after.hash(slot, 0, 5000);
    after.hash(slot, 5000, IMAGE.length - 5000);
    assertTrue(after.hashMatches(IMAGE.length));
  }

  @Test
  void anyWrongByteIsCaughtByTheWholeImageCheck() {
    for (int position :
        new int[] {0, 100, IMAGE.length - 33, IMAGE.length - 32, IMAGE.length - 1}) {
      byte[] other = IMAGE.clone();
      other[position] ^= 1; // the host sends bytes that do not match the offered digest
      ImageReceiver receiver = new ImageReceiver(slot.length, 12);
      assertEquals(ImageReceiver.START, receiver.offer(offer(3, IMAGE, 12)));
      while (!receiver.complete()) {
        BlockMessage b = block(3, other, requestedOffset(receiver), 12);
        assertEquals(FleetStatus.OK, receiver.accept(b));
        write(b);
      }
      receiver.hash(slot, 0, IMAGE.length);
      assertFalse(receiver.hashMatches(IMAGE.length), "flipped byte " + position);
      receiver.hash(IMAGE, 0, IMAGE.length);
      assertTrue(receiver.hashMatches(IMAGE.length), "the check starts over");
      receiver.hash(IMAGE, 0, IMAGE.length - 1);
      assertFalse(receiver.hashMatches(IMAGE.length), "too few bytes");
    }
  }

  @Test
  void offersAreRefusedOrReplacedAsSpecified() {
    assertEquals(ImageReceiver.REFUSE, new ImageReceiver(0, 0).offer(offer(1, IMAGE, 10)));
    ImageReceiver small = new ImageReceiver(IMAGE.length - 1, 10);
    assertEquals(ImageReceiver.REFUSE, small.offer(offer(1, IMAGE, 10)));
    assertEquals(VerdictMessage.TOO_LARGE, small.refusal());
    ImageReceiver receiver = new ImageReceiver(slot.length, 11);
    assertEquals(ImageReceiver.REFUSE, receiver.offer(offer(1, IMAGE, 12)));
    assertEquals(VerdictMessage.BAD_BLOCK_SIZE, receiver.refusal());
    assertEquals(0, receiver.transferId(), "a refused offer changes nothing");

    assertEquals(ImageReceiver.START, receiver.offer(offer(1, IMAGE, 10)));
    assertEquals(FleetStatus.OK, receiver.accept(block(1, IMAGE, 0, 10)));
    assertEquals(
        ImageReceiver.START, receiver.offer(offer(1, IMAGE, 11)), "same id, other block size");
    assertEquals(0, receiver.nextOffset());
    assertEquals(ImageReceiver.START, receiver.offer(offer(2, IMAGE, 11)));
    assertEquals(2, receiver.transferId());

    // A block of the wrong length for its position is dropped and asked again.
    assertEquals(FleetStatus.BAD_FIELD, receiver.accept(block(2, IMAGE, 0, 10)));
    assertEquals(0, receiver.nextOffset());
    assertThrows(IllegalArgumentException.class, () -> new ImageReceiver(1024, 13));
  }

  @Test
  void restoreRejectsProgressThatNoOfferCouldHaveProduced() {
    ImageReceiver receiver = new ImageReceiver(slot.length, 11);
    byte[] sha = sha(IMAGE);
    assertEquals(FleetStatus.BAD_FIELD, receiver.restore(0, IMAGE.length, 10, sha, 0, 0));
    assertEquals(FleetStatus.BAD_FIELD, receiver.restore(1, slot.length + 1, 10, sha, 0, 0));
    assertEquals(FleetStatus.BAD_FIELD, receiver.restore(1, IMAGE.length, 12, sha, 0, 0));
    assertEquals(FleetStatus.BAD_FIELD, receiver.restore(1, IMAGE.length, 10, sha, 0, 100));
    assertEquals(
        FleetStatus.BAD_FIELD, receiver.restore(1, IMAGE.length, 10, sha, 0, IMAGE.length + 1024));
    assertEquals(0, receiver.transferId());
    assertEquals(FleetStatus.OK, receiver.restore(1, IMAGE.length, 10, sha, 0, IMAGE.length));
    assertTrue(receiver.complete());
  }

  @Test
  void theLastRequestAsksOnlyForTheBlocksThatRemain() {
    ImageReceiver receiver = new ImageReceiver(slot.length, 12);
    receiver.offer(offer(4, IMAGE, 12));
    int lastBlock = (IMAGE.length - 1) >> 12 << 12;
    receiver.restore(4, IMAGE.length, 12, sha(IMAGE), 0, lastBlock);
    request.wrapForEncode(wire, 0, wire.length, 0, 0);
    assertEquals(FleetStatus.OK, receiver.request(request, 16));
    assertEquals(1, request.blockCount());
    assertEquals(lastBlock, request.imageOffset());
  }
}
