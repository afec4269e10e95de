package dev.spela.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.fleet.BlockMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.HostStateMessage;
import dev.spela.protocols.fleet.Message;
import dev.spela.protocols.fleet.OfferMessage;
import dev.spela.protocols.fleet.ReceiptMessage;
import dev.spela.protocols.fleet.Topic;
import dev.spela.protocols.image.LittleEndian;
import java.lang.management.ManagementFactory;
import java.security.MessageDigest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The agent allocates nothing in steady state: the host's STATE and the BIRTH it answers, commands
 * and their ACKs, training with its DATA records and checkpoints, the collector's receipts for
 * them (out of order), an evaluation, and a whole image
 * transfer through the reboot, the trial boot and the BIRTH and VERDICT after it. Run under -Xint,
 * with a transport that keeps nothing. Each sequence runs once before it is measured: the first run
 * loads classes (a JVM allocates their mirrors on first use; an ahead-of-time compiled firmware has
 * no such step).
 */
@Tag("zero-allocation")
class AgentZeroAllocationTest {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Counts what the agent does with the network; keeps the session of the last will. */
  private static final class CountingTransport implements Transport {
    int published;
    int connects;
    int bdSeq;

    @Override
    public int connect(byte[] willTopic, int willTopicLength, byte[] willPayload, int willLength) {
      connects++;
      bdSeq = LittleEndian.i32(willPayload, FleetProtocol.H_BD_SEQ);
      return 0;
    }

    @Override
    public int subscribe(byte[] topic, int topicLength) {
      return 0;
    }

    @Override
    public int publish(
        byte[] topic, int topicLength, byte[] payload, int offset, int length, int qos) {
      published++;
      return 0;
    }

    @Override
    public int inFlight() {
      return 0;
    }

    @Override
    public int disconnect() {
      return 0;
    }
  }

  private final byte[] stateTopic = topic(Topic.STATE, "host-1");
  private final byte[] commandTopic = topic(Topic.COMMAND, "vd-1");
  private final byte[] imageTopic = topic(Topic.IMAGE, "vd-1");
  private final CountingTransport transport = new CountingTransport();
  private long hostSession = 1_700_000_000_000L;
  private DeviceAgent agent;
  /** Host messages are sealed with these in the secured run (PROTOCOL.md section 5). */
  private HostKeys keys;

  private static byte[] topic(int kind, String id) {
    byte[] topic = new byte[Topic.MAX_LENGTH];
    int length =
        kind == Topic.STATE
            ? Topic.write(topic, 0, kind, null, TestDevice.name(id))
            : Topic.write(topic, 0, kind, TestDevice.name("lab"), TestDevice.name(id));
    return java.util.Arrays.copyOf(topic, length);
  }

  private static long allocated() {
    return THREADS.getCurrentThreadAllocatedBytes();
  }

  /** A new host session's STATE online: the agent answers with a BIRTH (and any VERDICT). */
  private byte[] hostOnline() {
    byte[] state = new byte[FleetProtocol.HEADER_LENGTH + HostStateMessage.BODY_LENGTH + 72];
    HostStateMessage online = new HostStateMessage();
    online.wrapForEncode(state, 0, state.length, 0, 0);
    online.state(true, HostStateMessage.PRIMARY, hostSession++).stateFlags(HostStateMessage.RECEIPTS);
    return finish(stateTopic, online);
  }

  /** The bytes of an encoded host message, sealed in the secured run. */
  private byte[] finish(byte[] topic, Message message) {
    return keys != null
        ? keys.seal(topic, topic.length, message)
        : java.util.Arrays.copyOf(message.buffer(), message.encodedLength());
  }

  private byte[][] commands(int firstId, int session) {
    // In the secured run, the repeat (2) is a host's retry: the same id with a new counter.
    int[][] list = {
      {CommandMessage.START, 0},
      {CommandMessage.PAUSE, 0},
      {CommandMessage.PAUSE, 0},
      {CommandMessage.EVALUATE, 50},
      {CommandMessage.CHECKPOINT, 0},
      {CommandMessage.RESUME, 0},
      {CommandMessage.SET_LEARNING_RATE, 1 << 20},
      {CommandMessage.STOP, 0},
      {CommandMessage.REBIRTH, 0}
    };
    byte[][] payloads = new byte[list.length][];
    for (int c = 0; c < list.length; c++) {
      byte[] buffer = new byte[FleetProtocol.HEADER_LENGTH + CommandMessage.BODY_LENGTH + 24];
      CommandMessage command = new CommandMessage();
      command.wrapForEncode(buffer, 0, buffer.length, 0, session);
      command.command(firstId + (c == 2 ? 1 : c), list[c][0], list[c][1]); // 2: a repeat
      payloads[c] = finish(commandTopic, command);
    }
    return payloads;
  }

  /**
   * Receipts for the records of the boot the agent runs now, sent in {@code session}: odd numbers
   * first, then every one of the first 64 (out of order, and repeated).
   */
  private byte[][] receipts(int session) {
    int[][] list = {{0, 0xAAAAAAAA}, {0, -1}, {32, -1}};
    byte[][] payloads = new byte[list.length][];
    for (int r = 0; r < list.length; r++) {
      byte[] buffer = new byte[FleetProtocol.HEADER_LENGTH + ReceiptMessage.BODY_LENGTH + 24];
      ReceiptMessage receipt = new ReceiptMessage();
      receipt.wrapForEncode(buffer, 0, buffer.length, 0, session);
      receipt.receipt(agent.board().lifeId(), agent.board().state().bootCount(), list[r][0], list[r][1]);
      payloads[r] = finish(commandTopic, receipt);
    }
    return payloads;
  }

  /** The messages of a transfer of {@code model}: signed (counter {@code id}) with keys. */
  private byte[][] transfer(int id, byte[] model, int session) throws Exception {
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(model);
    byte[] image = keys == null ? model : keys.signImage(model, id); // the verify path too
    int blocks = (image.length + 1023) / 1024;
    byte[][] payloads = new byte[blocks + 1][];
    OfferMessage offer = new OfferMessage();
    byte[] buffer = new byte[FleetProtocol.HEADER_LENGTH + OfferMessage.BODY_LENGTH + 24];
    offer.wrapForEncode(buffer, 0, buffer.length, 0, session);
    offer.offer(id, image.length, 10, sha, 0).securityCounter(keys == null ? 0 : id);
    payloads[0] = finish(imageTopic, offer);
    for (int b = 0; b < blocks; b++) {
      int length = Math.min(1024, image.length - b * 1024);
      BlockMessage block = new BlockMessage();
      byte[] bytes = new byte[FleetProtocol.HEADER_LENGTH + BlockMessage.DATA + length + 24];
      block.wrapForEncode(bytes, 0, bytes.length, 0, session);
      block.block(id, b * 1024, image, b * 1024, length);
      payloads[b + 1] = finish(imageTopic, block);
    }
    return payloads;
  }

  /** Host STATE, the commands (with training in between), then the transfer and the reboot. */
  private void session(byte[] state, byte[][] commands, byte[][] receipts, byte[][] transfer) {
    agent.onMessage(stateTopic, stateTopic.length, state, state.length);
    for (byte[] command : commands) {
      agent.onMessage(commandTopic, commandTopic.length, command, command.length);
      for (int n = 0; n < 30; n++) {
        agent.doWork(n);
      }
    }
    for (byte[] receipt : receipts) {
      agent.onMessage(commandTopic, commandTopic.length, receipt, receipt.length);
      agent.doWork(30);
    }
    for (byte[] message : transfer) {
      agent.onMessage(imageTopic, imageTopic.length, message, message.length);
    }
    agent.doWork(1_000); // connects after the reboot
    agent.onConnected();
  }

  @Test
  void theAgentAllocatesNothingInSteadyState() throws Exception {
    run(new TestDevice());
  }

  /** The same with keys: every message sealed, every host message's MAC or signature checked. */
  @Test
  void theSecuredAgentAllocatesNothingInSteadyState() throws Exception {
    keys = new HostKeys(3);
    run(new TestDevice().secured(keys));
    assertEquals(0, agent.droppedTotal(), "every host message authenticated, every receipt taken");
  }

  private void run(TestDevice device) throws Exception {
    TestDevice fixture = device.program(TestDevice.image(1, 32, 8));
    agent =
        new DeviceAgent(
            fixture.config,
            fixture.flash,
            transport,
            fixture.sensor,
            fixture.clock,
            (e, a, b) -> {});
    agent.boot();
    agent.doWork(0);
    agent.onConnected();
    int first = transport.bdSeq;
    session(hostOnline(), commands(1, first), receipts(first), transfer(7, TestDevice.image(2, 16, 8), first));
    int second = transport.bdSeq;
    byte[] state = hostOnline();
    byte[][] commands = commands(20, second);
    byte[][] receipts = receipts(second);
    byte[][] transfer = transfer(8, TestDevice.image(3, 32, 8), second);
    int published = transport.published;
    long overhead = -allocated();
    overhead += allocated();

    long before = allocated();
    session(state, commands, receipts, transfer);
    long bytes = allocated() - before - overhead;

    assertEquals(0, bytes, "bytes allocated by a session of commands, training and a transfer");
    assertEquals(3, transport.connects);
    assertEquals(0, agent.board().runningSlot(), "the third image runs, in slot 0");
    assertEquals(32, agent.board().runtime().model().outputs(0));
    assertTrue(transport.published - published > 20);
  }
}
