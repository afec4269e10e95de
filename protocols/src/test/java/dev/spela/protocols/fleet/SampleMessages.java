package dev.spela.protocols.fleet;

import dev.spela.protocols.checksum.HmacSha256;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One valid, fully populated message of every v2 type, and a re-encoder that copies a decoded
 * message field by field into a fresh buffer (accepted messages must re-encode to the same bytes).
 */
final class SampleMessages {

  static final int[] TYPES = {
    FleetProtocol.BIRTH,
    FleetProtocol.DEATH,
    FleetProtocol.DATA,
    FleetProtocol.ACK,
    FleetProtocol.BLOCK_REQUEST,
    FleetProtocol.VERDICT,
    FleetProtocol.CLAIM,
    FleetProtocol.HOST_STATE,
    FleetProtocol.COMMAND,
    FleetProtocol.OFFER,
    FleetProtocol.BLOCK,
    FleetProtocol.CLAIM_REPLY,
    FleetProtocol.RECEIPT
  };
  static final byte[] SECRET = ascii("batch-7 claim secret");
  static final byte[] SHA = new byte[32];
  static final byte[] NONCE = new byte[16];

  static {
    for (int k = 0; k < 32; k++) {
      SHA[k] = (byte) (0xA0 + k);
    }
    for (int k = 0; k < 16; k++) {
      NONCE[k] = (byte) (17 * k + 3);
    }
  }

  private SampleMessages() {}

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static Name name(String s) {
    Name name = new Name();
    byte[] bytes = ascii(s);
    if (name.set(bytes, 0, bytes.length) != FleetStatus.OK) {
      throw new IllegalArgumentException(s);
    }
    return name;
  }

  static HmacSha256 mac() {
    HmacSha256 mac = new HmacSha256();
    mac.key(SECRET, 0, SECRET.length);
    return mac;
  }

  /** A flyweight that reads and writes the given type. */
  static Message flyweight(int type) {
    switch (type) {
      case FleetProtocol.BIRTH:
        return new BirthMessage();
      case FleetProtocol.DEATH:
        return new DeathMessage();
      case FleetProtocol.DATA:
        return new DataMessage();
      case FleetProtocol.ACK:
        return new AckMessage();
      case FleetProtocol.BLOCK_REQUEST:
        return new BlockRequestMessage();
      case FleetProtocol.VERDICT:
        return new VerdictMessage();
      case FleetProtocol.CLAIM:
        return new ClaimMessage();
      case FleetProtocol.HOST_STATE:
        return new HostStateMessage();
      case FleetProtocol.COMMAND:
        return new CommandMessage();
      case FleetProtocol.OFFER:
        return new OfferMessage();
      case FleetProtocol.BLOCK:
        return new BlockMessage();
      case FleetProtocol.CLAIM_REPLY:
        return new ClaimReplyMessage();
      case FleetProtocol.RECEIPT:
        return new ReceiptMessage();
      default:
        throw new IllegalArgumentException("type " + type);
    }
  }

  /** A valid sample of the type, exactly as long as its encoding. */
  static byte[] sample(int type) {
    byte[] buffer = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
    Message message = flyweight(type);
    check(message.wrapForEncode(buffer, 0, buffer.length, 7, 0x01020304));
    fill(message);
    return Arrays.copyOf(buffer, message.encodedLength());
  }

  private static void fill(Message message) {
    if (message instanceof BirthMessage m) {
      m.board(name("virtual-m4"))
          .runtimeVersion(0, 1)
          .capabilities(BirthMessage.KNOWN_CAPABILITIES)
          .bootCount(-3)
          .memory(262144, 90112, 1 << 20, 131072)
          .imageSlot(131072, 12)
          .image(BirthMessage.IMAGE_TRIAL, 1, 54584, SHA, 0)
          .trainingState(BirthMessage.PAUSED)
          .model(3, 10, 167772, 123456789012L)
          .deviceTimeMs(1700000000000L)
          .pendingTransfer(99, 8192)
          .lifeId(0x0123456789ABCDEFL)
          .recordBuffer(256, 17)
          .imageSecurityCounter(3);
    } else if (message instanceof DeathMessage m) {
      m.reason(DeathMessage.REBOOT);
    } else if (message instanceof DataMessage m) {
      m.record(260, BirthMessage.TRAINING, 1700000012345L)
          .progress(12800, 1, 850, 90112, 167772)
          .origin(-2L, 7, 100, 4, 12);
      check(m.layerCount(3));
      check(m.layer(0, 26624, -16384, 212992));
      check(m.layer(1, 32768, 32768, Long.MAX_VALUE));
      check(m.layer(2, 0, -32768, 0));
    } else if (message instanceof AckMessage m) {
      m.answer(0xCAFEBABE, CommandMessage.EVALUATE, AckMessage.OK);
      check(m.result(10000, 2));
      check(m.accuracy(0, 28000));
      check(m.accuracy(1, 32768));
    } else if (message instanceof BlockRequestMessage m) {
      m.request(99, 8192, 4);
    } else if (message instanceof VerdictMessage m) {
      m.verdict(99, VerdictMessage.REFUSED, VerdictMessage.INVALID_IMAGE, -10, SHA, 0);
    } else if (message instanceof ClaimMessage m) {
      m.claim(name("SN-000417"), name("virtual-m4"), NONCE, 0, mac());
    } else if (message instanceof HostStateMessage m) {
      m.state(true, HostStateMessage.PRIMARY, 1700000000000L).stateFlags(HostStateMessage.RECEIPTS);
    } else if (message instanceof CommandMessage m) {
      m.command(12, CommandMessage.SET_LEARNING_RATE, 83886);
    } else if (message instanceof OfferMessage m) {
      m.offer(99, 54584, 11, SHA, 0).securityCounter(3);
    } else if (message instanceof BlockMessage m) {
      byte[] data = new byte[1000];
      for (int k = 0; k < data.length; k++) {
        data[k] = (byte) (k * 31);
      }
      check(m.block(99, 4096, data, 0, data.length));
    } else if (message instanceof ClaimReplyMessage m) {
      m.accept(NONCE, 0, name("vd-0417"), name("lab"), mac());
    } else if (message instanceof ReceiptMessage m) {
      m.receipt(-2L, 7, 260, 0x8000000B);
    }
  }

  /**
   * Re-encodes a message that {@code decoded} accepted, through its getters only, header included.
   * Provisioning MACs are copied as bytes (they are not derivable without the key).
   */
  static byte[] reencode(Message decoded) {
    byte[] out = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
    Message m = flyweight(decoded.type());
    check(m.wrapForEncode(out, 0, out.length, decoded.seq(), decoded.bdSeq()));
    byte[] sha = new byte[32];
    Name a = new Name();
    Name b = new Name();
    if (decoded instanceof BirthMessage d) {
      BirthMessage e = (BirthMessage) m;
      check(d.boardId(a));
      d.imageSha256(sha, 0);
      e.board(a)
          .runtimeVersion(d.runtimeMajor(), d.runtimeMinor())
          .capabilities(d.capabilities())
          .bootCount(d.bootCount())
          .memory(d.ramBudget(), d.ramUsed(), d.flashBudget(), d.flashUsed())
          .imageSlot(d.imageSlotBytes(), d.maxBlockLog2())
          .image(d.imageState(), d.activeSlot(), d.imageLength(), sha, 0)
          .trainingState(d.trainingState())
          .model(d.layerCount(), d.classCount(), d.learningRate(), d.samplesSeen())
          .deviceTimeMs(d.deviceTimeMs())
          .pendingTransfer(d.pendingTransferId(), d.pendingOffset())
          .lifeId(d.lifeId())
          .recordBuffer(d.recordBufferCapacity(), d.bufferedRecords())
          .imageSecurityCounter(d.imageSecurityCounter());
    } else if (decoded instanceof DeathMessage d) {
      ((DeathMessage) m).reason(d.reason());
    } else if (decoded instanceof DataMessage d) {
      DataMessage e = (DataMessage) m;
      e.record(d.recordCounter(), d.trainingState(), d.deviceTimeMs())
          .progress(d.samplesSeen(), d.epoch(), d.stepMicros(), d.ramUsed(), d.learningRate())
          .origin(
              d.lifeId(), d.bootCount(), d.windowSamples(), d.recordsDropped(), d.bufferedRecords());
      check(e.layerCount(d.layerCount()));
      for (int k = 0; k < d.layerCount(); k++) {
        check(e.layer(k, d.accuracy(k), d.loss(k), d.weightNorm(k)));
      }
    } else if (decoded instanceof AckMessage d) {
      AckMessage e = (AckMessage) m;
      e.answer(d.commandId(), d.code(), d.status());
      check(e.result(d.evaluatedSamples(), d.layerCount()));
      for (int k = 0; k < d.layerCount(); k++) {
        check(e.accuracy(k, d.accuracy(k)));
      }
    } else if (decoded instanceof BlockRequestMessage d) {
      ((BlockRequestMessage) m).request(d.transferId(), d.imageOffset(), d.blockCount());
    } else if (decoded instanceof VerdictMessage d) {
      d.runningSha256(sha, 0);
      ((VerdictMessage) m).verdict(d.transferId(), d.outcome(), d.reason(), d.detail(), sha, 0);
    } else if (decoded instanceof ClaimMessage d) {
      byte[] nonce = new byte[16];
      check(d.claimId(a));
      check(d.boardId(b));
      d.nonce(nonce, 0);
      ((ClaimMessage) m).claim(a, b, nonce, 0, mac());
      copyBody(decoded, out, ClaimMessage.MAC, 32);
    } else if (decoded instanceof HostStateMessage d) {
      ((HostStateMessage) m).state(d.online(), d.role(), d.session()).stateFlags(d.stateFlags());
    } else if (decoded instanceof ReceiptMessage d) {
      ((ReceiptMessage) m).receipt(d.lifeId(), d.bootCount(), d.firstRecord(), d.bitmap());
    } else if (decoded instanceof CommandMessage d) {
      ((CommandMessage) m).command(d.commandId(), d.code(), d.argument());
    } else if (decoded instanceof OfferMessage d) {
      d.sha256(sha, 0);
      ((OfferMessage) m)
          .offer(d.transferId(), d.imageLength(), d.blockLog2(), sha, 0)
          .securityCounter(d.securityCounter());
    } else if (decoded instanceof BlockMessage d) {
      check(
          ((BlockMessage) m)
              .block(d.transferId(), d.imageOffset(), d.buffer(), d.dataOffset(), d.dataLength()));
      // The CRC field is data as far as decoding goes: a mismatch is the receiver's check.
      copyBody(decoded, out, BlockMessage.CRC32, 4);
    } else if (decoded instanceof ClaimReplyMessage d) {
      byte[] nonce = new byte[16];
      d.nonce(nonce, 0);
      ClaimReplyMessage e = (ClaimReplyMessage) m;
      if (d.status() == ClaimReplyMessage.ACCEPTED) {
        check(d.deviceId(a));
        check(d.group(b));
        e.accept(nonce, 0, a, b, mac());
      } else {
        e.refuse(nonce, 0, mac());
      }
      copyBody(decoded, out, ClaimReplyMessage.MAC, 32);
    }
    if (decoded.authenticated()) {
      // The tag is data as far as decoding goes: checking it is the authenticator's job.
      check(m.authenticate(decoded.counter()));
      System.arraycopy(
          decoded.buffer(), decoded.tagOffset(), out, m.tagOffset(), decoded.tagLength());
    }
    return Arrays.copyOf(out, m.encodedLength());
  }

  /** The example device key of PROTOCOL.md section 14: bytes 0x00, 0x01, ... 0x1f. */
  static final byte[] DEVICE_KEY = new byte[MessageAuthenticator.KEY_LENGTH];

  static {
    for (int k = 0; k < DEVICE_KEY.length; k++) {
      DEVICE_KEY[k] = (byte) k;
    }
  }

  /**
   * The sample of a type that carries a trailer, authenticated with {@code counter}: MACed with
   * {@link #DEVICE_KEY} on {@code topic}, or, for STATE, with a tag of 0x5A bytes (signatures are
   * checked by the host key's verifier, not by the codec).
   */
  static byte[] authenticatedSample(int type, String topic, long counter) {
    byte[] buffer = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
    Message message = flyweight(type);
    check(message.wrapForEncode(buffer, 0, buffer.length, 7, 0x01020304));
    fill(message);
    check(message.authenticate(counter));
    if (type == FleetProtocol.HOST_STATE) {
      Arrays.fill(buffer, message.tagOffset(), message.tagOffset() + message.tagLength(), (byte) 0x5A);
    } else {
      MessageAuthenticator mac = new MessageAuthenticator();
      check(mac.key(DEVICE_KEY, 0));
      byte[] t = ascii(topic);
      check(mac.seal(t, 0, t.length, message));
    }
    return Arrays.copyOf(buffer, message.encodedLength());
  }

  private static void copyBody(Message from, byte[] out, int field, int length) {
    System.arraycopy(
        from.buffer(),
        from.offset() + FleetProtocol.HEADER_LENGTH + field,
        out,
        FleetProtocol.HEADER_LENGTH + field,
        length);
  }

  static void check(int status) {
    if (status != FleetStatus.OK) {
      throw new AssertionError("status " + FleetStatus.name(status));
    }
  }
}
