package dev.spela.protocols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.checksum.BlockDigest;
import dev.spela.protocols.checksum.HmacSha256;
import dev.spela.protocols.checksum.Sha256;
import dev.spela.protocols.crypto.Sha512;
import dev.spela.protocols.fleet.AckMessage;
import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.BlockMessage;
import dev.spela.protocols.fleet.BlockRequestMessage;
import dev.spela.protocols.fleet.ClaimMessage;
import dev.spela.protocols.fleet.ClaimReplyMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.DataMessage;
import dev.spela.protocols.fleet.DeathMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.HostStateMessage;
import dev.spela.protocols.fleet.ImageReceiver;
import dev.spela.protocols.fleet.Message;
import dev.spela.protocols.fleet.MessageAuthenticator;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.OfferMessage;
import dev.spela.protocols.fleet.ReceiptMessage;
import dev.spela.protocols.fleet.Topic;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.protocols.image.ImageReader;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.protocols.image.ModelImageWriter;
import dev.spela.protocols.image.TestImages;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.subset.OutOfRangeCalls;
import dev.spela.subset.SubsetChecker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Every steady-state entry point of protocols, called with out-of-range arguments (negative, huge
 * and extreme ints and longs, null and empty arrays) on objects in their ordinary state, answers
 * with a status or a neutral value and never throws: the VM would allocate the exception.
 */
class OutOfRangeArgumentsTest {

  private static final Path CLASSES = Path.of("target", "classes");
  private static final int BUFFER = FleetProtocol.MAX_MESSAGE_LENGTH;

  @Test
  void noSteadyStateEntryPointThrowsOnOutOfRangeArguments() throws IOException {
    List<String> entries = new SubsetChecker(CLASSES).check(CLASSES).entryPoints();
    assertTrue(entries.size() > 100, () -> "only " + entries.size() + " entry points");
    List<String> failures =
        OutOfRangeCalls.throwingCalls(entries, getClass().getClassLoader(), new Device());
    assertEquals(List.of(), failures, () -> String.join("\n", failures));
  }

  /** The objects a device holds, each in its ordinary state. */
  private static final class Device implements OutOfRangeCalls.Fixtures {

    @Override
    public List<Object> receivers(Class<?> type) {
      if (type == BlockDigest.class) {
        return List.of(new Sha256(), new Sha512());
      }
      if (type == Message.class) {
        List<Object> all = new ArrayList<>();
        for (Supplier<Message> message : MESSAGES) {
          all.add(message.get());
        }
        return all;
      }
      for (Supplier<Message> message : MESSAGES) {
        Message candidate = message.get();
        if (candidate.getClass() == type) {
          return List.of(candidate);
        }
      }
      return List.of(argument(type));
    }

    @Override
    public Object argument(Class<?> type) {
      if (type == byte[].class) {
        return new byte[BUFFER];
      } else if (type == Name.class) {
        return name("lab");
      } else if (type == HmacSha256.class) {
        HmacSha256 mac = new HmacSha256();
        mac.key(new byte[16], 0, 16);
        return mac;
      } else if (type == OfferMessage.class) {
        return encoded(new OfferMessage());
      } else if (type == BlockMessage.class) {
        return encoded(new BlockMessage());
      } else if (type == BlockRequestMessage.class) {
        return encoded(new BlockRequestMessage());
      } else if (type == ImageReceiver.class) {
        return new ImageReceiver(8192, 12);
      } else if (type == Topic.class) {
        Topic topic = new Topic();
        byte[] text = "spela/v2/lab/CMD/vd-1".getBytes(StandardCharsets.US_ASCII);
        check(topic.parse(text, 0, text.length));
        return topic;
      } else if (type == MessageAuthenticator.class) {
        MessageAuthenticator authenticator = new MessageAuthenticator();
        check(authenticator.key(new byte[MessageAuthenticator.KEY_LENGTH], 0));
        return authenticator;
      } else if (type == Message.class) {
        return encoded(new CommandMessage());
      } else if (type == short[].class) {
        return new short[BUFFER];
      } else if (type == int[].class) {
        return new int[BUFFER];
      } else if (type == FlashRegion.class || type == ArrayFlash.class) {
        return new ArrayFlash(TestImages.small(1));
      } else if (type == ImageReader.class) {
        ImageReader reader = new ImageReader(ModelImageDecoder.DEFAULT_BLOCK_BYTES);
        reader.wrap(new ArrayFlash(TestImages.small(2)), 0, TestImages.small(2).length);
        return reader;
      } else if (type == ModelImageWriter.class) {
        return new ModelImageWriter(256);
      }
      return constructed(type);
    }

    /** An object of a class whose no-argument constructor makes it ready for use. */
    private static Object constructed(Class<?> type) {
      try {
        return type.getConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalArgumentException("no fixture for " + type, e);
      }
    }
  }

  /** Every message type, wrapped for encoding over a buffer of the largest message. */
  private static final List<Supplier<Message>> MESSAGES =
      List.of(
          () -> encoded(new BirthMessage()),
          () -> encoded(new DeathMessage()),
          () -> {
            DataMessage data = encoded(new DataMessage());
            check(data.layerCount(3));
            return data;
          },
          () -> {
            AckMessage ack = encoded(new AckMessage());
            check(ack.result(10, 3));
            return ack;
          },
          () -> encoded(new BlockRequestMessage()),
          () -> encoded(new VerdictMessage()),
          () -> encoded(new ClaimMessage()),
          () -> encoded(new HostStateMessage()),
          () -> encoded(new CommandMessage()),
          () -> encoded(new OfferMessage()),
          () -> encoded(new BlockMessage()),
          () -> encoded(new ClaimReplyMessage()),
          () -> encoded(new ReceiptMessage()));

  private static <M extends Message> M encoded(M message) {
    check(message.wrapForEncode(new byte[BUFFER], 0, BUFFER, 1, 2));
    return message;
  }

  private static Name name(String text) {
    Name name = new Name();
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    check(name.set(bytes, 0, bytes.length));
    return name;
  }

  private static void check(int status) {
    if (status != FleetStatus.OK) {
      throw new IllegalStateException(FleetStatus.name(status));
    }
  }
}
