package dev.spela.protocols.fleet;

import static dev.spela.protocols.fleet.SampleMessages.check;
import static dev.spela.protocols.fleet.SampleMessages.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.checksum.HmacSha256;
import dev.spela.protocols.checksum.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The examples of PROTOCOL.md section 14, one of every message type, are what the encoders write,
 * byte for byte, tags and signature included, and what the decoders read back: the document and
 * the code cannot drift apart. {@link #main} prints the blocks for the document.
 */
class GoldenVectorsTest {

  private static final Path SPEC = Path.of("PROTOCOL.md");
  private static final HexFormat HEX = HexFormat.of();
  private static final int BD_SEQ = 42;
  private static final long LIFE = 0x5EED0000C0FFEE01L;
  private static final byte[] CLAIM_SECRET = ascii("example claim secret");

  /** RFC 8032 section 7.1, TEST 1: the example fleet host key. */
  static final byte[] HOST_KEY_SEED =
      HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");

  static final byte[] HOST_PUBLIC_KEY =
      HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

  /** One example: its topic and the message as the reference encoder writes it. */
  record Example(String topic, byte[] bytes) {}

  static Map<String, Example> examples() {
    Map<String, Example> all = new LinkedHashMap<>();
    all.put("birth", deviceMessage(Topic.BIRTH, new BirthMessage(), 0, m -> fillBirth((BirthMessage) m)));
    all.put("death", deviceMessage(Topic.DEATH, new DeathMessage(), -1,
        m -> ((DeathMessage) m).reason(DeathMessage.CONNECTION_LOST)));
    all.put("data", deviceMessage(Topic.DATA, new DataMessage(), 5, m -> fillData((DataMessage) m)));
    all.put("ack", deviceMessage(Topic.ACK, new AckMessage(), 6, m -> {
      AckMessage ack = (AckMessage) m;
      ack.answer(0x2A, CommandMessage.EVALUATE, AckMessage.OK);
      check(ack.result(2000, 2));
      check(ack.accuracy(0, 29491));
      check(ack.accuracy(1, 31130));
    }));
    all.put("block-request", deviceMessage(Topic.IMAGE_REPLY, new BlockRequestMessage(), 7,
        m -> ((BlockRequestMessage) m).request(0x1001, 8192, 4)));
    all.put("verdict", deviceMessage(Topic.IMAGE_REPLY, new VerdictMessage(), 8,
        m -> ((VerdictMessage) m).verdict(0x1001, VerdictMessage.CONFIRMED, VerdictMessage.NONE, 0, abc(), 0)));
    all.put("claim", claim());
    all.put("state", state());
    all.put("cmd", hostMessage(Topic.COMMAND, new CommandMessage(), 1700000000123456L,
        m -> ((CommandMessage) m).command(0x2A, CommandMessage.EVALUATE, 2000)));
    all.put("offer", hostMessage(Topic.IMAGE, new OfferMessage(), 1700000000200000L,
        m -> ((OfferMessage) m).offer(0x1001, 54584, 12, abc(), 0).securityCounter(1)));
    all.put("block", hostMessage(Topic.IMAGE, new BlockMessage(), 1700000000300000L,
        m -> check(((BlockMessage) m).block(0x1001, 53248, ascii("SPELA v2"), 0, 8))));
    all.put("claim-reply", claimReply());
    all.put("receipt", hostMessage(Topic.COMMAND, new ReceiptMessage(), 1700000000400000L,
        m -> ((ReceiptMessage) m).receipt(LIFE, 7, 260, 0x0B)));
    return all;
  }

  private static void fillBirth(BirthMessage birth) {
    birth
        .board(name("nrf52840"))
        .runtimeVersion(0, 2)
        .capabilities(0x0F)
        .bootCount(7)
        .memory(262144, 90112, 1048576, 131072)
        .imageSlot(131072, 12)
        .image(BirthMessage.IMAGE_CONFIRMED, 0, 54584, abc(), 0)
        .trainingState(BirthMessage.TRAINING)
        .model(2, 10, 167772, 12000)
        .deviceTimeMs(3600000)
        .pendingTransfer(0, 0)
        .lifeId(LIFE)
        .recordBuffer(256, 0)
        .imageSecurityCounter(1);
  }

  private static void fillData(DataMessage data) {
    data.record(260, BirthMessage.TRAINING, 3612345)
        .progress(12800, 1, 850, 90112, 167772)
        .origin(LIFE, 7, 100, 0, 0);
    check(data.layerCount(2));
    check(data.layer(0, 26624, -16384, 212992));
    check(data.layer(1, 29696, -23552, 98304));
  }

  /**
   * A message of device vd-0001 in group lab, session 42, with the next {@code seq} and the
   * session counter {@code (42 << 32) | n} (n = -1: the will's 0xFFFFFFFF; its seq is 0).
   */
  private static Example deviceMessage(int kind, Message message, int n, Consumer<Message> fill) {
    int seq = n < 0 ? 0 : n;
    long counter = ((long) BD_SEQ << 32) | (n & 0xFFFFFFFFL);
    return authenticated(kind, message, seq, counter, fill);
  }

  /** A host message to vd-0001's session 42, counter = the host's clock in microseconds. */
  private static Example hostMessage(int kind, Message message, long counter, Consumer<Message> fill) {
    return authenticated(kind, message, 0, counter, fill);
  }

  private static Example authenticated(
      int kind, Message message, int seq, long counter, Consumer<Message> fill) {
    byte[] buffer = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
    check(message.wrapForEncode(buffer, 0, buffer.length, seq, BD_SEQ));
    fill.accept(message);
    check(message.authenticate(counter));
    String topic = topic(kind, "vd-0001");
    MessageAuthenticator mac = new MessageAuthenticator();
    check(mac.key(SampleMessages.DEVICE_KEY, 0));
    byte[] t = ascii(topic);
    check(mac.seal(t, 0, t.length, message));
    return new Example(topic, Arrays.copyOf(buffer, message.encodedLength()));
  }

  private static Example state() {
    byte[] buffer = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
    HostStateMessage state = new HostStateMessage();
    check(state.wrapForEncode(buffer, 0, buffer.length, 0, 0));
    state.state(true, HostStateMessage.PRIMARY, 1700000000000L).stateFlags(HostStateMessage.RECEIPTS);
    check(state.authenticate(1700000000000000L));
    String topic = topic(Topic.STATE, "spela-host");
    byte[] signature = sign(topic, buffer, state.signedLength());
    System.arraycopy(signature, 0, buffer, state.tagOffset(), signature.length);
    return new Example(topic, Arrays.copyOf(buffer, state.encodedLength()));
  }

  private static Example claim() {
    byte[] buffer = new byte[200];
    ClaimMessage claim = new ClaimMessage();
    check(claim.wrapForEncode(buffer, 0, buffer.length, 0, 0));
    claim.claim(name("SN-000417"), name("nrf52840"), nonce(), 0, claimMac());
    return new Example(topic(Topic.CLAIM_REQUEST, "SN-000417"), Arrays.copyOf(buffer, claim.encodedLength()));
  }

  private static Example claimReply() {
    byte[] buffer = new byte[200];
    ClaimReplyMessage reply = new ClaimReplyMessage();
    check(reply.wrapForEncode(buffer, 0, buffer.length, 0, 0));
    reply.accept(nonce(), 0, name("vd-0001"), name("lab"), claimMac());
    return new Example(topic(Topic.CLAIM_REPLY, "SN-000417"), Arrays.copyOf(buffer, reply.encodedLength()));
  }

  @Test
  void everyExampleOfTheSpecIsWhatTheEncoderWrites() throws IOException {
    for (Map.Entry<String, Example> e : examples().entrySet()) {
      Example example = e.getValue();
      assertEquals(block(e.getKey()), dump(example.topic(), example.bytes()), e.getKey());
    }
  }

  @Test
  void everyExampleDecodesAndAuthenticates() throws GeneralSecurityException {
    MessageAuthenticator mac = new MessageAuthenticator();
    check(mac.key(SampleMessages.DEVICE_KEY, 0));
    for (Map.Entry<String, Example> e : examples().entrySet()) {
      byte[] bytes = e.getValue().bytes();
      byte[] topic = ascii(e.getValue().topic());
      Topic parsed = new Topic();
      assertEquals(FleetStatus.OK, parsed.parse(topic, 0, topic.length), e.getKey());
      int type = FleetProtocol.receivedType(parsed.kind(), bytes, bytes.length);
      Message decoded = SampleMessages.flyweight(type);
      assertEquals(FleetStatus.OK, decoded.wrap(bytes, 0, bytes.length), e.getKey());
      if (type == FleetProtocol.HOST_STATE) {
        assertTrue(verifySignature(topic, bytes, decoded), "state signature");
      } else if (FleetProtocol.authenticates(type)) {
        assertEquals(FleetStatus.OK, mac.verify(topic, 0, topic.length, decoded), e.getKey());
      }
    }
    DataMessage data = new DataMessage();
    byte[] bytes = examples().get("data").bytes();
    check(data.wrap(bytes, 0, bytes.length));
    assertEquals(260, data.recordCounter());
    assertEquals(LIFE, data.lifeId());
    assertEquals(7, data.bootCount());
    assertEquals((42L << 32) | 5, data.counter());
  }

  private static boolean verifySignature(byte[] topic, byte[] bytes, Message state)
      throws GeneralSecurityException {
    byte[] y = reverse(HOST_PUBLIC_KEY);
    boolean xOdd = (y[0] & 0x80) != 0;
    y[0] &= 0x7F;
    PublicKey key =
        KeyFactory.getInstance("Ed25519")
            .generatePublic(
                new EdECPublicKeySpec(NamedParameterSpec.ED25519, new EdECPoint(xOdd, new BigInteger(1, y))));
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(key);
    verifier.update(signed(topic, bytes, state.signedLength()));
    return verifier.verify(Arrays.copyOfRange(bytes, state.tagOffset(), state.tagOffset() + 64));
  }

  private static byte[] sign(String topic, byte[] buffer, int signedLength) {
    try {
      PrivateKey key =
          KeyFactory.getInstance("Ed25519")
              .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, HOST_KEY_SEED));
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(key);
      signer.update(signed(ascii(topic), buffer, signedLength));
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** What a tag covers: the topic, a zero byte, the message up to its tag. */
  private static byte[] signed(byte[] topic, byte[] message, int signedLength) {
    byte[] bytes = new byte[topic.length + 1 + signedLength];
    System.arraycopy(topic, 0, bytes, 0, topic.length);
    System.arraycopy(message, 0, bytes, topic.length + 1, signedLength);
    return bytes;
  }

  private static byte[] reverse(byte[] bytes) {
    byte[] out = new byte[bytes.length];
    for (int k = 0; k < bytes.length; k++) {
      out[k] = bytes[bytes.length - 1 - k];
    }
    return out;
  }

  private static byte[] abc() {
    byte[] abc = ascii("abc");
    Sha256 sha = new Sha256();
    sha.update(abc, 0, abc.length);
    byte[] digest = new byte[32];
    sha.finish(digest, 0);
    return digest;
  }

  private static byte[] nonce() {
    byte[] nonce = new byte[16];
    for (int k = 0; k < nonce.length; k++) {
      nonce[k] = (byte) k;
    }
    return nonce;
  }

  private static HmacSha256 claimMac() {
    HmacSha256 mac = new HmacSha256();
    mac.key(CLAIM_SECRET, 0, CLAIM_SECRET.length);
    return mac;
  }

  private static String topic(int kind, String id) {
    byte[] out = new byte[Topic.MAX_LENGTH];
    int length = Topic.write(out, 0, kind, name("lab"), name(id));
    return new String(out, 0, length, StandardCharsets.US_ASCII);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The document's format: a topic line, then 16 bytes a line after a 4-digit hex offset. */
  static String dump(String topic, byte[] bytes) {
    StringBuilder text = new StringBuilder("topic ").append(topic).append('\n');
    for (int at = 0; at < bytes.length; at += 16) {
      text.append(String.format("%04x ", at));
      for (int k = at; k < Math.min(at + 16, bytes.length); k++) {
        text.append(' ').append(HEX.toHexDigits(bytes[k]));
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

  /** Prints every example as the document shows it (run from the protocols module's folder). */
  public static void main(String[] args) {
    for (Map.Entry<String, Example> e : examples().entrySet()) {
      System.out.println("```hex " + e.getKey());
      System.out.print(dump(e.getValue().topic(), e.getValue().bytes()));
      System.out.println("```");
      System.out.println();
    }
  }
}
