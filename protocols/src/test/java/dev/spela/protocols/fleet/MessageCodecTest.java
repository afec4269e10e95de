package dev.spela.protocols.fleet;

import static dev.spela.protocols.fleet.SampleMessages.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.image.LittleEndian;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Round trips of every message type, and the decoding rules of PROTOCOL.md section 12. */
class MessageCodecTest {

  private static int status(int type, byte[] bytes) {
    return flyweight(type).wrap(bytes, 0, bytes.length);
  }

  @Test
  void everyTypeRoundTripsThroughItsGettersAndHasTheSpecifiedLength() {
    int[] bodyLengths = {160, 4, 64 + 3 * 16, 16 + 2 * 4, 12, 40, 112, 12, 12, 52, 16 + 1000, 116, 20};
    for (int i = 0; i < TYPES.length; i++) {
      int type = TYPES[i];
      byte[] bytes = sample(type);
      Message decoded = flyweight(type);
      assertEquals(
          FleetStatus.OK,
          decoded.wrap(bytes, 0, bytes.length),
          FleetStatus.name(decoded.wrap(bytes, 0, bytes.length)));
      assertEquals(12 + bodyLengths[i], bytes.length, "type " + type);
      assertEquals(bytes.length, decoded.encodedLength());
      assertEquals(type, Message.peekType(bytes, 0, bytes.length));
      assertEquals(2, decoded.version());
      assertFalse(decoded.authenticated());
      assertEquals(7, decoded.seq());
      assertEquals(0x01020304, decoded.bdSeq());
      assertArrayEquals(bytes, reencode(decoded), "type " + type);
    }
  }

  @Test
  void aReceiptNamesTheRecordsOfItsBitmapOnly() {
    ReceiptMessage receipt = new ReceiptMessage();
    byte[] bytes = sample(FleetProtocol.RECEIPT); // first record 260, bits 0, 1, 3 and 31
    assertEquals(FleetStatus.OK, receipt.wrap(bytes, 0, bytes.length));
    assertEquals(-2L, receipt.lifeId());
    assertEquals(7, receipt.bootCount());
    for (int record = 250; record < 300; record++) {
      boolean named = record == 260 || record == 261 || record == 263 || record == 291;
      assertEquals(named, receipt.names(record), "record " + record);
    }
    byte[] wrapping = with32(bytes.clone(), FleetProtocol.HEADER_LENGTH + ReceiptMessage.FIRST_RECORD, -1);
    assertEquals(FleetStatus.OK, receipt.wrap(wrapping, 0, wrapping.length));
    assertTrue(receipt.names(-1));
    assertTrue(receipt.names(0)); // counters wrap modulo 2^32
    assertFalse(receipt.names(-2));
    assertTrue(receipt.names(30));
    assertFalse(receipt.names(31));

    HostStateMessage state = new HostStateMessage();
    bytes = sample(FleetProtocol.HOST_STATE);
    assertEquals(FleetStatus.OK, state.wrap(bytes, 0, bytes.length));
    assertTrue(state.receipts());
  }

  @Test
  void gettersReturnWhatTheSettersWrote() {
    BirthMessage birth = new BirthMessage();
    byte[] bytes = sample(FleetProtocol.BIRTH);
    assertEquals(FleetStatus.OK, birth.wrap(bytes, 0, bytes.length));
    Name board = new Name();
    assertEquals(FleetStatus.OK, birth.boardId(board));
    assertTrue(board.equalTo(name("virtual-m4")));
    assertEquals(-3, birth.bootCount());
    assertEquals(131072, birth.imageSlotBytes());
    assertEquals(12, birth.maxBlockLog2());
    assertEquals(BirthMessage.IMAGE_TRIAL, birth.imageState());
    assertEquals(123456789012L, birth.samplesSeen());
    assertEquals(99, birth.pendingTransferId());
    assertEquals(8192, birth.pendingOffset());

    DataMessage data = new DataMessage();
    bytes = sample(FleetProtocol.DATA);
    assertEquals(FleetStatus.OK, data.wrap(bytes, 0, bytes.length));
    assertEquals(260, data.recordCounter());
    assertEquals(3, data.layerCount());
    assertEquals(-16384, data.loss(0));
    assertEquals(Long.MAX_VALUE, data.weightNorm(1));
    assertEquals(-32768, data.loss(2));

    AckMessage ack = new AckMessage();
    bytes = sample(FleetProtocol.ACK);
    assertEquals(FleetStatus.OK, ack.wrap(bytes, 0, bytes.length));
    assertEquals(0xCAFEBABE, ack.commandId());
    assertEquals(10000, ack.evaluatedSamples());
    assertEquals(32768, ack.accuracy(1));

    BlockMessage block = new BlockMessage();
    bytes = sample(FleetProtocol.BLOCK);
    assertEquals(FleetStatus.OK, block.wrap(bytes, 0, bytes.length));
    assertTrue(block.crcMatches());
    bytes[bytes.length - 1] ^= 1;
    assertEquals(FleetStatus.OK, block.wrap(bytes, 0, bytes.length));
    assertFalse(block.crcMatches());
  }

  @Test
  void aMessageInsideALargerBufferDecodesAtItsOffset() {
    byte[] data = sample(FleetProtocol.DATA);
    byte[] framed = new byte[data.length + 40];
    System.arraycopy(data, 0, framed, 17, data.length);
    DataMessage decoded = new DataMessage();
    assertEquals(FleetStatus.OK, decoded.wrap(framed, 17, data.length));
    assertEquals(26624, decoded.accuracy(0));
    assertEquals(FleetStatus.LENGTH_MISMATCH, decoded.wrap(framed, 17, data.length + 1));
  }

  @Test
  void headerRulesAreCheckedInTheSpecifiedOrder() {
    byte[] ok = sample(FleetProtocol.COMMAND);
    CommandMessage command = new CommandMessage();
    assertEquals(FleetStatus.BAD_ARGUMENT, command.wrap(null, 0, 0));
    assertEquals(FleetStatus.BAD_ARGUMENT, command.wrap(ok, 1, ok.length));
    assertEquals(FleetStatus.BAD_ARGUMENT, command.wrap(ok, -1, 4));
    assertEquals(FleetStatus.TRUNCATED, command.wrap(ok, 0, 11));
    assertEquals(FleetStatus.UNSUPPORTED_VERSION, command.wrap(with(ok, 0, 1), 0, ok.length));
    assertEquals(FleetStatus.UNSUPPORTED_VERSION, command.wrap(with(ok, 0, 3), 0, ok.length));
    assertEquals(FleetStatus.UNKNOWN_TYPE, command.wrap(with(ok, 1, 0x08), 0, ok.length));
    assertEquals(FleetStatus.UNKNOWN_TYPE, command.wrap(with(ok, 1, 0x80), 0, ok.length));
    assertEquals(FleetStatus.WRONG_TYPE, new OfferMessage().wrap(ok, 0, ok.length));
    assertEquals(FleetStatus.BAD_FIELD, command.wrap(with(ok, 3, 2), 0, ok.length));
    assertEquals(FleetStatus.BAD_FIELD, command.wrap(with(ok, 3, 0x81), 0, ok.length));
    // The AUTHENTICATED flag promises a trailer these bytes do not have.
    assertEquals(FleetStatus.TRUNCATED, command.wrap(with(ok, 3, 1), 0, ok.length));
    assertEquals(
        FleetStatus.OVERSIZED, command.wrap(Arrays.copyOf(ok, ok.length + 1), 0, ok.length + 1));
    assertEquals(FleetStatus.TRUNCATED, command.wrap(ok, 0, ok.length - 1));
    byte[] huge = ok.clone();
    LittleEndian.put32(huge, 8, 0x80000000);
    assertEquals(FleetStatus.TRUNCATED, command.wrap(huge, 0, huge.length));
    byte[] shortBody = ok.clone();
    LittleEndian.put32(shortBody, 8, 11);
    assertEquals(FleetStatus.LENGTH_MISMATCH, command.wrap(shortBody, 0, shortBody.length));
    assertEquals(FleetStatus.TRUNCATED, command.wrap(shortBody, 0, shortBody.length - 1));
  }

  @Test
  void variableLengthsMustMatchTheirCounts() {
    byte[] data = sample(FleetProtocol.DATA);
    assertEquals(
        FleetStatus.BAD_FIELD,
        status(FleetProtocol.DATA, with16(data, 12 + DataMessage.LAYER_COUNT, 65)));
    assertEquals(
        FleetStatus.LENGTH_MISMATCH,
        status(FleetProtocol.DATA, with16(data, 12 + DataMessage.LAYER_COUNT, 2)));
    assertEquals(
        FleetStatus.LENGTH_MISMATCH,
        status(FleetProtocol.DATA, with16(data, 12 + DataMessage.LAYER_COUNT, 4)));
    byte[] ack = sample(FleetProtocol.ACK);
    assertEquals(
        FleetStatus.LENGTH_MISMATCH,
        status(FleetProtocol.ACK, with16(ack, 12 + AckMessage.LAYER_COUNT, 1)));
    byte[] block = sample(FleetProtocol.BLOCK);
    assertEquals(
        FleetStatus.BAD_FIELD,
        status(FleetProtocol.BLOCK, with32(block, 12 + BlockMessage.DATA_LENGTH, 0)));
    assertEquals(
        FleetStatus.BAD_FIELD,
        status(FleetProtocol.BLOCK, with32(block, 12 + BlockMessage.DATA_LENGTH, 4097)));
    assertEquals(
        FleetStatus.LENGTH_MISMATCH,
        status(FleetProtocol.BLOCK, with32(block, 12 + BlockMessage.DATA_LENGTH, 999)));
  }

  @Test
  void bodyFieldsOutOfRangeAreRejected() {
    int body = FleetProtocol.HEADER_LENGTH;
    byte[] birth = sample(FleetProtocol.BIRTH);
    assertBad(FleetProtocol.BIRTH, with(birth, body + BirthMessage.BOARD_ID, '/'));
    assertBad(FleetProtocol.BIRTH, with(birth, body + BirthMessage.BOARD_ID, 0));
    assertBad(FleetProtocol.BIRTH, with(birth, body + BirthMessage.BOARD_ID + 31, 'x'));
    assertBad(FleetProtocol.BIRTH, with32(birth, body + BirthMessage.CAPABILITIES, 0x20));
    assertBad(FleetProtocol.BIRTH, with(birth, body + BirthMessage.MAX_BLOCK_LOG2, 13));
    assertBad(FleetProtocol.BIRTH, with(birth, body + BirthMessage.IMAGE_STATE, 3));
    assertBad(
        FleetProtocol.BIRTH, with(birth, body + BirthMessage.IMAGE_STATE, BirthMessage.IMAGE_NONE));
    assertBad(FleetProtocol.BIRTH, with(birth, body + BirthMessage.TRAINING_STATE, 3));
    assertBad(FleetProtocol.BIRTH, with32(birth, body + BirthMessage.RAM_USED, -1));
    assertBad(FleetProtocol.BIRTH, with16(birth, body + BirthMessage.LAYER_COUNT, 65));
    assertBad(FleetProtocol.BIRTH, with32(birth, body + BirthMessage.LEARNING_RATE, (1 << 24) + 1));
    assertBad(FleetProtocol.BIRTH, with32(birth, body + BirthMessage.PENDING_TRANSFER_ID, 0));
    byte[] data = sample(FleetProtocol.DATA);
    assertBad(FleetProtocol.DATA, with(data, body + DataMessage.RESERVED_5, 1));
    assertBad(
        FleetProtocol.DATA,
        with32(data, body + DataMessage.LAYERS + DataMessage.L_ACCURACY, 32769));
    assertBad(
        FleetProtocol.DATA, with32(data, body + DataMessage.LAYERS + DataMessage.L_LOSS, -32769));
    assertBad(
        FleetProtocol.DATA,
        with(data, body + DataMessage.LAYERS + 16 + DataMessage.L_WEIGHT_NORM + 7, 0x80));
    assertBad(FleetProtocol.DEATH, with(sample(FleetProtocol.DEATH), body, 3));
    assertBad(FleetProtocol.DEATH, with(sample(FleetProtocol.DEATH), body + 2, 1));
    assertBad(
        FleetProtocol.COMMAND, with(sample(FleetProtocol.COMMAND), body + CommandMessage.CODE, 0));
    assertBad(
        FleetProtocol.ACK,
        with(sample(FleetProtocol.ACK), body + AckMessage.CODE, CommandMessage.CHECKPOINT));
    assertBad(
        FleetProtocol.OFFER,
        with32(sample(FleetProtocol.OFFER), body + OfferMessage.TRANSFER_ID, 0));
    assertBad(
        FleetProtocol.OFFER, with(sample(FleetProtocol.OFFER), body + OfferMessage.BLOCK_LOG2, 9));
    assertBad(
        FleetProtocol.OFFER,
        with32(sample(FleetProtocol.OFFER), body + OfferMessage.IMAGE_LENGTH, 0));
    assertBad(
        FleetProtocol.BLOCK_REQUEST,
        with16(sample(FleetProtocol.BLOCK_REQUEST), body + BlockRequestMessage.BLOCK_COUNT, 17));
    assertBad(
        FleetProtocol.BLOCK_REQUEST,
        with32(sample(FleetProtocol.BLOCK_REQUEST), body + BlockRequestMessage.OFFSET, -4096));
    assertBad(
        FleetProtocol.VERDICT,
        with(sample(FleetProtocol.VERDICT), body + VerdictMessage.REASON, 14));
    assertBad(
        FleetProtocol.VERDICT,
        with(sample(FleetProtocol.VERDICT), body + VerdictMessage.OUTCOME, 0));
    assertBad(FleetProtocol.HOST_STATE, with(sample(FleetProtocol.HOST_STATE), body, 2));
    assertBad(
        FleetProtocol.HOST_STATE,
        with(sample(FleetProtocol.HOST_STATE), body + HostStateMessage.ROLE, 3));
    byte[] secondaryOffline = with(sample(FleetProtocol.HOST_STATE), body, 0);
    secondaryOffline[body + HostStateMessage.ROLE] = HostStateMessage.SECONDARY;
    assertBad(FleetProtocol.HOST_STATE, secondaryOffline);
    byte[] secondaryWithReceipts = sample(FleetProtocol.HOST_STATE);
    secondaryWithReceipts[body + HostStateMessage.ROLE] = HostStateMessage.SECONDARY;
    assertBad(FleetProtocol.HOST_STATE, secondaryWithReceipts);
    assertBad(
        FleetProtocol.HOST_STATE,
        with(sample(FleetProtocol.HOST_STATE), body + HostStateMessage.STATE_FLAGS, 2));
    assertBad(
        FleetProtocol.HOST_STATE,
        with(sample(FleetProtocol.HOST_STATE), body + HostStateMessage.STATE_FLAGS + 1, 1));
    assertBad(FleetProtocol.RECEIPT, with32(sample(FleetProtocol.RECEIPT), body + ReceiptMessage.BITMAP, 0));
    assertBad(
        FleetProtocol.OFFER,
        with(sample(FleetProtocol.OFFER), body + OfferMessage.RESERVED_48, 1));
    assertBad(
        FleetProtocol.BIRTH,
        with32(sample(FleetProtocol.BIRTH), body + BirthMessage.BUFFERED_RECORDS, 257));
    assertBad(
        FleetProtocol.CLAIM,
        with(sample(FleetProtocol.CLAIM), body + ClaimMessage.CLAIM_ID + 3, '+'));
    byte[] reply = sample(FleetProtocol.CLAIM_REPLY);
    assertBad(FleetProtocol.CLAIM_REPLY, with16(reply, body + ClaimReplyMessage.STATUS, 1));
    assertBad(
        FleetProtocol.CLAIM_REPLY,
        with16(reply, body + ClaimReplyMessage.STATUS, ClaimReplyMessage.REFUSED));
    byte[] reserved = reply.clone();
    byte[] state = SampleMessages.ascii("STATE");
    Arrays.fill(
        reserved, body + ClaimReplyMessage.GROUP, body + ClaimReplyMessage.GROUP + 32, (byte) 0);
    System.arraycopy(state, 0, reserved, body + ClaimReplyMessage.GROUP, state.length);
    assertBad(FleetProtocol.CLAIM_REPLY, reserved);
  }

  @Test
  void encodersReportMissingSpaceInsteadOfWritingPastIt() {
    byte[] small = new byte[40];
    assertEquals(
        FleetStatus.NO_SPACE, new BirthMessage().wrapForEncode(small, 0, small.length, 0, 0));
    assertEquals(
        FleetStatus.BAD_ARGUMENT, new BirthMessage().wrapForEncode(small, 10, small.length, 0, 0));
    DataMessage data = new DataMessage();
    byte[] buffer = new byte[12 + 64 + 16];
    assertEquals(FleetStatus.OK, data.wrapForEncode(buffer, 0, buffer.length, 1, 1));
    assertEquals(FleetStatus.OK, data.layerCount(1));
    assertEquals(FleetStatus.NO_SPACE, data.layerCount(2));
    assertEquals(FleetStatus.BAD_FIELD, data.layerCount(65));
    assertEquals(FleetStatus.BAD_FIELD, data.layer(1, 0, 0, 0));
    BlockMessage block = new BlockMessage();
    assertEquals(FleetStatus.OK, block.wrapForEncode(buffer, 0, buffer.length, 0, 0));
    assertEquals(FleetStatus.NO_SPACE, block.block(1, 0, new byte[100], 0, 100));
    assertEquals(FleetStatus.BAD_FIELD, block.block(1, 0, new byte[5000], 0, 5000));
  }

  @Test
  void rewrappingForEncodeClearsTheVariablePart() {
    byte[] buffer = new byte[200];
    DataMessage data = new DataMessage();
    data.wrapForEncode(buffer, 0, buffer.length, 0, 0);
    data.layerCount(3);
    data.layer(2, 5, 5, 5);
    data.wrapForEncode(buffer, 0, buffer.length, 0, 0);
    data.layerCount(3);
    assertEquals(0, data.accuracy(2));
    assertEquals(12 + 64 + 48, data.encodedLength());
  }

  @Test
  void claimsAndRepliesAreAuthenticatedWithTheClaimSecret() {
    byte[] claim = sample(FleetProtocol.CLAIM);
    ClaimMessage decoded = new ClaimMessage();
    assertEquals(FleetStatus.OK, decoded.wrap(claim, 0, claim.length));
    assertTrue(decoded.macMatches(mac()));
    dev.spela.protocols.checksum.HmacSha256 wrongKey =
        new dev.spela.protocols.checksum.HmacSha256();
    wrongKey.key(new byte[] {1, 2, 3}, 0, 3);
    assertFalse(decoded.macMatches(wrongKey));
    byte[] tampered = with(claim, 12 + ClaimMessage.NONCE, claim[12 + ClaimMessage.NONCE] ^ 1);
    assertEquals(FleetStatus.OK, decoded.wrap(tampered, 0, tampered.length));
    assertFalse(decoded.macMatches(mac()));

    byte[] reply = sample(FleetProtocol.CLAIM_REPLY);
    ClaimReplyMessage answer = new ClaimReplyMessage();
    assertEquals(FleetStatus.OK, answer.wrap(reply, 0, reply.length));
    assertTrue(answer.macMatches(mac()));
    assertTrue(answer.nonceEquals(NONCE, 0));
    Name device = new Name();
    assertEquals(FleetStatus.OK, answer.deviceId(device));
    assertTrue(device.equalTo(name("vd-0417")));
    byte[] forged = with(reply, 12 + ClaimReplyMessage.DEVICE_ID, 'w');
    assertEquals(FleetStatus.OK, answer.wrap(forged, 0, forged.length));
    assertFalse(answer.macMatches(mac()));

    byte[] refused = new byte[200];
    ClaimReplyMessage refusal = new ClaimReplyMessage();
    refusal.wrapForEncode(refused, 0, refused.length, 0, 0);
    refusal.refuse(NONCE, 0, mac());
    assertEquals(FleetStatus.OK, answer.wrap(refused, 0, refusal.encodedLength()));
    assertEquals(ClaimReplyMessage.REFUSED, answer.status());
    assertTrue(answer.macMatches(mac()));
  }

  @Test
  void typesMapToTheirTopicsQosAndRetainFlags() {
    for (int type : TYPES) {
      int topic = FleetProtocol.topicOf(type);
      assertTrue(topic >= Topic.BIRTH && topic <= Topic.CLAIM_REPLY);
      assertEquals(
          FleetProtocol.fromDevice(type),
          topic <= Topic.IMAGE_REPLY || topic == Topic.CLAIM_REQUEST,
          "type " + type);
      int expectedQos = type == FleetProtocol.BLOCK || type == FleetProtocol.BLOCK_REQUEST ? 0 : 1;
      assertEquals(expectedQos, FleetProtocol.qos(type));
      assertEquals(type == FleetProtocol.HOST_STATE, FleetProtocol.retained(type));
    }
    assertEquals(0, FleetProtocol.topicOf(0x08));
    assertEquals(0, FleetProtocol.seqDistance(255, 255));
    assertEquals(1, FleetProtocol.seqDistance(255, 0));
    assertEquals(255, FleetProtocol.seqDistance(0, 255));
  }

  @Test
  void dropCountersCountByStatus() {
    DropCounters counters = new DropCounters();
    assertEquals(FleetStatus.BAD_CRC, counters.drop(FleetStatus.BAD_CRC));
    counters.drop(FleetStatus.BAD_CRC);
    counters.drop(FleetStatus.TRUNCATED);
    counters.drop(-99);
    assertEquals(2, counters.count(FleetStatus.BAD_CRC));
    assertEquals(1, counters.count(FleetStatus.BAD_FIELD));
    assertEquals(4, counters.total());
    counters.reset();
    assertEquals(0, counters.total());
  }

  private static void assertBad(int type, byte[] bytes) {
    assertEquals(FleetStatus.BAD_FIELD, status(type, bytes), "type " + type);
  }

  private static byte[] with(byte[] bytes, int at, int value) {
    byte[] copy = bytes.clone();
    copy[at] = (byte) value;
    return copy;
  }

  private static byte[] with16(byte[] bytes, int at, int value) {
    byte[] copy = bytes.clone();
    LittleEndian.put16(copy, at, value);
    return copy;
  }

  private static byte[] with32(byte[] bytes, int at, int value) {
    byte[] copy = bytes.clone();
    LittleEndian.put32(copy, at, value);
    return copy;
  }
}
