package dev.spela.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.fleet.BlockMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.HostStateMessage;
import dev.spela.protocols.fleet.Message;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.OfferMessage;
import dev.spela.protocols.fleet.ReceiptMessage;
import dev.spela.protocols.image.ImageSignature;
import dev.spela.protocols.fleet.Topic;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.runtime.FloatModel;
import dev.spela.runtime.MemoryPlan;
import dev.spela.runtime.Prototypes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A device with no network, as MCUboot tests boot_serial: emulated flash (the flash rules kept), a
 * transport that records what the agent sends, a synthetic sensor, a clock the test moves. The
 * flash outlives the agent: {@link #power} builds a new agent on it, as a power cycle does.
 */
final class TestDevice {

  static final int INPUT = 64;
  static final int CLASSES = 4;
  static final int SECTOR = 1024;
  static final int SLOT = 32 * SECTOR;
  static final long LIFE_ID = 0x5eed_11fe_0000_0001L;

  final ArrayFlash[] areas = new ArrayFlash[DeviceFlash.AREAS];
  final DeviceFlash flash;
  final FakeTransport transport = new FakeTransport();
  final Sensor sensor;
  final FakeClock clock = new FakeClock();
  final List<int[]> reports = new ArrayList<>();
  final AgentConfig config;
  DeviceAgent agent;
  long now = 1_000;
  long hostSession = 1_700_000_000_000L;
  /** The primary's STATE announces RECEIPTS (PROTOCOL.md section 9). */
  boolean receipts;
  int commandId = 100;
  /** Set by {@link #secured}: host messages are sealed with these keys before delivery. */
  HostKeys keys;
  /** The last payload delivered, as delivered (for replays). */
  byte[] lastDelivered;

  TestDevice() {
    this(2, new int[] {32, 8});
  }

  /**
   * A device with {@code checkpoints} checkpoint areas and an arena for 64-H-8 ({@code capacity}).
   */
  TestDevice(int checkpoints, int[] capacity) {
    for (int a = 0; a < DeviceFlash.AREAS; a++) {
      boolean state = a >= DeviceFlash.STATE_0;
      areas[a] = new ArrayFlash(state ? SECTOR : SLOT, SECTOR);
    }
    flash =
        new DeviceFlash(
            areas[0], areas[1], areas[2], checkpoints > 1 ? areas[3] : null, areas[4], areas[5]);
    sensor = new PrototypeSensor(INPUT, CLASSES, 300, 100, 7);
    MemoryPlan plan = new MemoryPlan();
    plan.setShape(INPUT, CLASSES, capacity, capacity.length, 0);
    config =
        new AgentConfig()
            .identity(name("vd-1"), name("lab"), name("host-1"))
            .board(name("test-board"))
            .capacity(plan)
            .memory(262144, 90000, 1 << 20, 4 * SLOT)
            .maxBlockLog2(10)
            .telemetry(50, 2, 0)
            .blockRetry(5_000, 10)
            .newLifeId(LIFE_ID);
  }

  static Name name(String value) {
    Name name = new Name();
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    assertEquals(0, name.set(bytes, 0, bytes.length));
    return name;
  }

  static byte[] image(long seed, int... widths) {
    return FloatModel.kaiming(INPUT, CLASSES, widths, seed).toImage();
  }

  static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }

  /** The factory programmer: {@code image} into the active slot. */
  TestDevice program(byte[] image) {
    assertEquals(0, Board.program(flash, image, 0, image.length, this::report));
    return this;
  }

  /** Gives the device keys from provisioning (PROTOCOL.md section 5); call before {@link #power}. */
  TestDevice secured(HostKeys keys) {
    this.keys = keys;
    config.keys(keys.deviceKey, keys.hostPublicKey);
    return this;
  }

  /** A new agent on this flash (power on), booted. */
  TestDevice power() {
    agent = new DeviceAgent(config, flash, transport, sensor, clock, this::report);
    agent.boot();
    return this;
  }

  private void report(int event, int first, int second) {
    reports.add(new int[] {event, first, second});
  }

  /** True if {@code event} was reported (with {@code first} if given). */
  boolean reported(int event, int... first) {
    return reports.stream().anyMatch(r -> r[0] == event && (first.length == 0 || r[1] == first[0]));
  }

  /** Connects (the broker accepts) and hears the host's STATE online: the BIRTH comes out. */
  TestDevice online() {
    work(0);
    assertTrue(transport.connecting, "the agent connects");
    transport.connecting = false;
    agent.onConnected();
    hostState(true);
    return this;
  }

  /** Moves the clock by {@code millis} and lets the agent work until it is idle. */
  int work(long millis) {
    now += millis;
    clock.millis += millis;
    int total = 0;
    for (int n = 0; n < 10_000; n++) {
      int done = agent.doWork(now);
      if (done == 0) {
        break;
      }
      total += done;
    }
    return total;
  }

  /** Lets the agent do {@code rounds} rounds of work (training chunks) at the current time. */
  void rounds(int rounds) {
    for (int n = 0; n < rounds; n++) {
      agent.doWork(now);
    }
  }

  // ------------------------------------------------------------------ the host's messages

  /** The primary host's STATE with {@link #hostSession}. */
  void hostState(boolean online) {
    hostState(online, HostStateMessage.PRIMARY, hostSession);
  }

  void hostState(boolean online, int role, long session) {
    byte[] payload = new byte[FleetProtocol.HEADER_LENGTH + HostStateMessage.BODY_LENGTH + 72];
    HostStateMessage state = new HostStateMessage();
    state.wrapForEncode(payload, 0, payload.length, 0, 0);
    state.state(online, role, session);
    if (receipts && role == HostStateMessage.PRIMARY) {
      state.stateFlags(HostStateMessage.RECEIPTS);
    }
    deliver(Topic.STATE, state);
  }

  /** Sends a command to the current session; returns its id. */
  int command(int code, int argument) {
    return command(commandId++, code, argument, transport.bdSeq());
  }

  int command(int id, int code, int argument, int bdSeq) {
    byte[] payload = new byte[FleetProtocol.HEADER_LENGTH + CommandMessage.BODY_LENGTH + 24];
    CommandMessage command = new CommandMessage();
    command.wrapForEncode(payload, 0, payload.length, 0, bdSeq);
    command.command(id, code, argument);
    deliver(Topic.COMMAND, command);
    return id;
  }

  /** A RECEIPT to the current session for records of the running boot. */
  void receipt(int firstRecord, int bitmap) {
    receipt(agent.board().lifeId(), agent.board().state().bootCount(), firstRecord, bitmap, transport.bdSeq());
  }

  void receipt(long lifeId, int bootCount, int firstRecord, int bitmap, int bdSeq) {
    byte[] payload = new byte[FleetProtocol.HEADER_LENGTH + ReceiptMessage.BODY_LENGTH + 24];
    ReceiptMessage receipt = new ReceiptMessage();
    receipt.wrapForEncode(payload, 0, payload.length, 0, bdSeq);
    receipt.receipt(lifeId, bootCount, firstRecord, bitmap);
    deliver(Topic.COMMAND, receipt);
  }

  void offer(int transferId, byte[] image, int blockLog2, byte[] sha) {
    int model = ImageSignature.modelLength(image, image.length);
    offer(transferId, image, blockLog2, sha, model == image.length ? 0 : ImageSignature.counter(image, model));
  }

  /** An OFFER announcing {@code securityCounter}, whatever the image carries. */
  void offer(int transferId, byte[] image, int blockLog2, byte[] sha, int securityCounter) {
    byte[] payload = new byte[FleetProtocol.HEADER_LENGTH + OfferMessage.BODY_LENGTH + 24];
    OfferMessage offer = new OfferMessage();
    offer.wrapForEncode(payload, 0, payload.length, 0, transport.bdSeq());
    offer.offer(transferId, image.length, blockLog2, sha, 0);
    offer.securityCounter(securityCounter);
    deliver(Topic.IMAGE, offer);
  }

  void block(int transferId, byte[] image, int offset, int length, boolean corrupt) {
    byte[] payload = new byte[FleetProtocol.HEADER_LENGTH + BlockMessage.DATA + length + 24];
    BlockMessage block = new BlockMessage();
    block.wrapForEncode(payload, 0, payload.length, 0, transport.bdSeq());
    block.block(transferId, offset, image, offset, length);
    if (corrupt) {
      payload[block.dataOffset() + length / 2] ^= 0x20;
    }
    deliver(Topic.IMAGE, block);
  }

  /**
   * Serves the image as a host would: answers every BLOCK_REQUEST the agent publishes with the
   * blocks it asks for, until no request is left unanswered.
   */
  void serve(int transferId, byte[] image, int blockLog2) {
    int answered = 0;
    for (int n = 0; n < 10_000; n++) {
      List<FakeTransport.Sent> requests = transport.sent(FleetProtocol.BLOCK_REQUEST);
      if (answered >= requests.size()) {
        return;
      }
      FakeTransport.Sent request = requests.get(answered++);
      int offset = request.u32(FleetProtocol.HEADER_LENGTH + 4);
      int count = request.u32(FleetProtocol.HEADER_LENGTH + 8);
      for (int b = 0; b < count; b++) {
        int at = offset + (b << blockLog2);
        if (at < image.length) {
          block(transferId, image, at, Math.min(1 << blockLog2, image.length - at), false);
        }
      }
    }
  }

  /** Delivers an encoded host message, sealed first if the device is {@link #secured}. */
  private void deliver(int kind, Message message) {
    byte[] topic = new byte[Topic.MAX_LENGTH];
    int length =
        kind == Topic.STATE
            ? Topic.write(topic, 0, kind, null, name("host-1"))
            : Topic.write(topic, 0, kind, name("lab"), name("vd-1"));
    byte[] payload =
        keys != null
            ? keys.seal(topic, length, message)
            : Arrays.copyOf(message.buffer(), message.encodedLength());
    lastDelivered = payload;
    agent.onMessage(topic, length, payload, payload.length);
  }

  /** Replays a message as a payload of another length (for malformed-input cases). */
  void deliverRaw(int kind, byte[] payload, int length) {
    byte[] topic = new byte[Topic.MAX_LENGTH];
    int topicLength =
        kind == Topic.STATE
            ? Topic.write(topic, 0, kind, null, name("host-1"))
            : Topic.write(topic, 0, kind, name("lab"), name("vd-1"));
    agent.onMessage(topic, topicLength, Arrays.copyOf(payload, length), length);
  }

  static int type(Message message) {
    return message.type();
  }

  /** A sensor of synthetic samples: noisy prototypes of 4 classes. */
  static final class PrototypeSensor implements Sensor {
    private final int inputSize;
    private final byte[] training;
    private final byte[] heldOut;
    private final int trainingCount;
    private final int heldOutCount;

    PrototypeSensor(int inputSize, int classes, int trainingCount, int heldOutCount, long seed) {
      this.inputSize = inputSize;
      this.trainingCount = trainingCount;
      this.heldOutCount = heldOutCount;
      Prototypes data = new Prototypes(inputSize, classes, seed);
      training = new byte[trainingCount * inputSize];
      heldOut = new byte[heldOutCount * inputSize];
      for (int n = 0; n < trainingCount; n++) {
        data.sample(data.label(n), training, n * inputSize);
      }
      for (int n = 0; n < heldOutCount; n++) {
        data.sample(data.label(n), heldOut, n * inputSize);
      }
    }

    @Override
    public int inputSize() {
      return inputSize;
    }

    @Override
    public int trainingCount() {
      return trainingCount;
    }

    @Override
    public int heldOutCount() {
      return heldOutCount;
    }

    @Override
    public int readTraining(int index, byte[] dst, int offset) {
      System.arraycopy(training, index * inputSize, dst, offset, inputSize);
      return index % CLASSES;
    }

    @Override
    public int readHeldOut(int index, byte[] dst, int offset) {
      System.arraycopy(heldOut, index * inputSize, dst, offset, inputSize);
      return index % CLASSES;
    }
  }

  static final class FakeClock implements Clock {
    long millis = 1_700_000_000_000L;
    long micros = 5_000_000;

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public long micros() {
      micros += 100; // every look at the clock is 100 us later
      return micros;
    }
  }
}
