package dev.spela.protocols.fleet;

import static dev.spela.protocols.fleet.SampleMessages.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.checksum.HmacSha256;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The authentication trailer of PROTOCOL.md section 5: layout, decoding rules and the MAC. */
class AuthenticationTrailerTest {

  private static final String TOPIC = "spela/v2/lab/CMD/vd-0001";

  private static MessageAuthenticator authenticator() {
    MessageAuthenticator mac = new MessageAuthenticator();
    check(mac.key(DEVICE_KEY, 0));
    return mac;
  }

  private static int verify(String topic, Message message) {
    byte[] t = ascii(topic);
    return authenticator().verify(t, 0, t.length, message);
  }

  @Test
  void everyTypeButTheClaimsCarriesACounterAndATagAfterItsBody() {
    for (int type : TYPES) {
      if (!FleetProtocol.authenticates(type)) {
        Message m = flyweight(type);
        byte[] buffer = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
        check(m.wrapForEncode(buffer, 0, buffer.length, 0, 0));
        assertEquals(FleetStatus.BAD_FIELD, m.authenticate(1), "type " + type);
        continue;
      }
      byte[] plain = sample(type);
      byte[] bytes = authenticatedSample(type, TOPIC, 0x1122334455667788L);
      int tag = type == FleetProtocol.HOST_STATE ? 64 : 16;
      assertEquals(plain.length + 8 + tag, bytes.length, "type " + type);
      assertEquals(FleetProtocol.FLAG_AUTHENTICATED, bytes[3], "type " + type);
      Message decoded = flyweight(type);
      assertEquals(FleetStatus.OK, decoded.wrap(bytes, 0, bytes.length), "type " + type);
      assertTrue(decoded.authenticated());
      assertEquals(0x1122334455667788L, decoded.counter());
      assertEquals(plain.length + 8, decoded.signedLength());
      assertEquals(bytes.length, decoded.encodedLength());
      assertArrayEquals(bytes, reencode(decoded), "type " + type);
      // The body is the same bytes as without the trailer.
      assertArrayEquals(
          Arrays.copyOfRange(plain, 4, plain.length), Arrays.copyOfRange(bytes, 4, plain.length));
    }
  }

  @Test
  void theTagIsTheFirstHalfOfAnHmacOverTopicZeroAndTheBytesBeforeIt() {
    byte[] bytes = authenticatedSample(FleetProtocol.COMMAND, TOPIC, 5);
    HmacSha256 hmac = new HmacSha256();
    hmac.key(DEVICE_KEY, 0, DEVICE_KEY.length);
    byte[] topic = ascii(TOPIC);
    hmac.update(topic, 0, topic.length);
    hmac.update(new byte[1], 0, 1);
    hmac.update(bytes, 0, bytes.length - 16);
    byte[] full = new byte[32];
    hmac.finish(full, 0);
    assertArrayEquals(
        Arrays.copyOf(full, 16), Arrays.copyOfRange(bytes, bytes.length - 16, bytes.length));
  }

  @Test
  void anyChangeToTopicHeaderBodyOrCounterBreaksTheTag() {
    byte[] bytes = authenticatedSample(FleetProtocol.OFFER, TOPIC, 9);
    OfferMessage offer = new OfferMessage();
    assertEquals(FleetStatus.OK, offer.wrap(bytes, 0, bytes.length));
    assertEquals(FleetStatus.OK, verify(TOPIC, offer));
    assertEquals(FleetStatus.BAD_MAC, verify("spela/v2/lab/CMD/vd-0002", offer));
    for (int at = 0; at < bytes.length; at++) {
      byte[] flipped = bytes.clone();
      flipped[at] ^= 0x10;
      OfferMessage m = new OfferMessage();
      int status = m.wrap(flipped, 0, flipped.length);
      if (status == FleetStatus.OK) {
        assertEquals(FleetStatus.BAD_MAC, verify(TOPIC, m), "byte " + at);
      }
    }
  }

  @Test
  void anUnauthenticatedMessageOrOneWithoutAKeyIsNotAccepted() {
    byte[] plain = sample(FleetProtocol.COMMAND);
    CommandMessage command = new CommandMessage();
    assertEquals(FleetStatus.OK, command.wrap(plain, 0, plain.length));
    assertEquals(FleetStatus.UNAUTHENTICATED, verify(TOPIC, command));
    byte[] bytes = authenticatedSample(FleetProtocol.COMMAND, TOPIC, 1);
    assertEquals(FleetStatus.OK, command.wrap(bytes, 0, bytes.length));
    byte[] topic = ascii(TOPIC);
    assertEquals(
        FleetStatus.BAD_ARGUMENT, new MessageAuthenticator().verify(topic, 0, topic.length, command));
    assertEquals(FleetStatus.BAD_ARGUMENT, authenticator().verify(topic, 1, topic.length, command));
    byte[] state = authenticatedSample(FleetProtocol.HOST_STATE, "spela/v2/STATE/h", 1);
    HostStateMessage host = new HostStateMessage();
    assertEquals(FleetStatus.OK, host.wrap(state, 0, state.length));
    assertEquals(FleetStatus.BAD_FIELD, verify("spela/v2/STATE/h", host));
  }

  @Test
  void aTruncatedTrailerOrAClaimWithTheFlagIsRejected() {
    byte[] bytes = authenticatedSample(FleetProtocol.DATA, TOPIC, 1);
    DataMessage data = new DataMessage();
    assertEquals(FleetStatus.TRUNCATED, data.wrap(bytes, 0, bytes.length - 1));
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertEquals(FleetStatus.LENGTH_MISMATCH, data.wrap(longer, 0, longer.length));
    byte[] tiny = Arrays.copyOf(bytes, 12 + 8);
    assertEquals(FleetStatus.TRUNCATED, data.wrap(tiny, 0, tiny.length));
    byte[] claim = sample(FleetProtocol.CLAIM);
    claim[3] = FleetProtocol.FLAG_AUTHENTICATED;
    assertEquals(FleetStatus.BAD_FIELD, new ClaimMessage().wrap(claim, 0, claim.length));
  }

  @Test
  void changingTheBodyAfterAuthenticatingDropsTheTrailer() {
    byte[] buffer = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
    DataMessage data = new DataMessage();
    check(data.wrapForEncode(buffer, 0, buffer.length, 0, 1));
    check(data.layerCount(1));
    check(data.authenticate(3));
    assertTrue(data.authenticated());
    check(data.layerCount(2));
    assertEquals(0, data.flags());
    assertEquals(12 + 64 + 32, data.encodedLength());
  }

  @Test
  void theLongestMessageIsAnAuthenticatedFullBlock() {
    byte[] buffer = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
    BlockMessage block = new BlockMessage();
    check(block.wrapForEncode(buffer, 0, buffer.length, 0, 1));
    check(block.block(1, 0, new byte[4096], 0, 4096));
    check(block.authenticate(1));
    assertEquals(FleetProtocol.MAX_MESSAGE_LENGTH, block.encodedLength());
    assertEquals(12 + 16 + 4096 + 8 + 16, FleetProtocol.MAX_MESSAGE_LENGTH);
  }
}
