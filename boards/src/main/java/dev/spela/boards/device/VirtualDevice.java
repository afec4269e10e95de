package dev.spela.boards.device;

import static dev.spela.protocols.fleet.BirthMessage.PAUSED;
import static dev.spela.protocols.fleet.BirthMessage.STOPPED;
import static dev.spela.protocols.fleet.BirthMessage.TRAINING;
import static dev.spela.protocols.fleet.FleetProtocol.qos;

import dev.spela.protocols.checksum.Sha256;
import dev.spela.protocols.fleet.AckMessage;
import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.BlockMessage;
import dev.spela.protocols.fleet.BlockRequestMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.DataMessage;
import dev.spela.protocols.fleet.DeathMessage;
import dev.spela.protocols.fleet.DropCounters;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.HostStateMessage;
import dev.spela.protocols.fleet.ImageReceiver;
import dev.spela.protocols.fleet.Message;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.OfferMessage;
import dev.spela.protocols.fleet.Topic;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.runtime.RuntimeStatus;
import dev.spela.runtime.SpelaRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.tinylog.Logger;

/**
 * A virtual board on the network: a {@link VirtualBoard} (runtime, flash, data) that speaks fleet
 * protocol v1 (protocols/PROTOCOL.md) over MQTT 3.1.1 with the Paho {@code mqttv3} async client.
 *
 * <p>One device thread does everything: boot, training, telemetry, commands, image transfer,
 * (re)connection. Paho's single callback only puts events on the thread's queue, so it never
 * blocks and never calls the client. QoS 1 publishes in flight are bounded; a DATA record that
 * finds the window full is skipped (its record number still advances). Connections are made by
 * the device itself, not by Paho's automatic reconnect, because every connection needs a new
 * {@code bdSeq} in its will.
 */
public final class VirtualDevice implements AutoCloseable {

  /**
   * How a device is set up.
   *
   * @param recordEvery training samples per DATA record
   * @param checkpointEvery DATA records per checkpoint
   * @param epochs passes over the shard after which the device stops training by itself (0: never)
   */
  public record Config(
      String deviceId,
      String group,
      String hostId,
      String brokerUrl,
      Path stateDir,
      BoardLimits limits,
      DataShard data,
      int recordEvery,
      int checkpointEvery,
      int epochs) {}

  private static final int RUNTIME_MAJOR = 0;
  private static final int RUNTIME_MINOR = 1;
  private static final int MAX_DATA_IN_FLIGHT = 32;
  private static final int PAHO_MAX_IN_FLIGHT = 128;
  private static final int BLOCKS_PER_REQUEST = 4;
  private static final long BLOCK_RETRY_MS = 5_000;
  private static final int MAX_BLOCK_RETRIES = 10;
  private static final int TRAIN_CHUNK = 32;
  private static final long MAX_RECONNECT_MS = 5_000;

  private final Config config;
  private final VirtualBoard board;
  private final Name deviceName;
  private final Name groupName;
  private final Name hostName;
  private final String stateTopic;
  private final String commandTopic;
  private final String imageTopic;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final CountDownLatch finished = new CountDownLatch(1);
  private final DropCounters drops = new DropCounters();
  private final AtomicInteger dataInFlight = new AtomicInteger();
  private final ImageReceiver receiver;

  // Flyweights and their buffer: one message is encoded at a time, on the device thread.
  private final byte[] out = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
  /** The ACK being answered has its own buffer: executing a command may publish DATA meanwhile. */
  private final byte[] ackBuffer = new byte[FleetProtocol.HEADER_LENGTH + AckMessage.MAX_BODY_LENGTH];
  private final byte[] topicBytes = new byte[Topic.MAX_LENGTH];
  private final Topic topic = new Topic();
  private final BirthMessage birth = new BirthMessage();
  private final DeathMessage death = new DeathMessage();
  private final DataMessage data = new DataMessage();
  private final AckMessage ack = new AckMessage();
  private final CommandMessage command = new CommandMessage();
  private final HostStateMessage hostState = new HostStateMessage();
  private final OfferMessage offer = new OfferMessage();
  private final BlockMessage block = new BlockMessage();
  private final BlockRequestMessage blockRequest = new BlockRequestMessage();
  private final VerdictMessage verdict = new VerdictMessage();

  private MqttAsyncClient client;
  private boolean connected;
  private boolean hostOnline;
  private long hostSession = Long.MIN_VALUE;
  private int bdSeq;
  private int seq;
  private long recordCounter;
  private int recordsSinceCheckpoint;
  private int trainingState;
  private long windowStartNanos;
  private long reconnectAtMillis;
  private long reconnectDelayMs = 250;
  private int lastCommandId;
  private byte[] lastAck;
  private int requestWindowEnd;
  private long lastBlockMillis;
  private int blockRetries;
  private volatile boolean stopping;
  private volatile boolean killed;

  /** Something for the device thread to do. */
  private sealed interface Event {}

  private record Incoming(String topic, byte[] payload) implements Event {}

  private record Connected(MqttAsyncClient client) implements Event {}

  private record Lost(MqttAsyncClient client, String why) implements Event {}

  private record Wake() implements Event {}

  private record Drop() implements Event {}

  private VirtualDevice(Config config, VirtualBoard board) {
    this.config = config;
    this.board = board;
    deviceName = Names.of(config.deviceId());
    groupName = Names.of(config.group());
    hostName = Names.of(config.hostId());
    stateTopic = topic(Topic.STATE, hostName);
    commandTopic = topic(Topic.COMMAND, deviceName);
    imageTopic = topic(Topic.IMAGE, deviceName);
    receiver = new ImageReceiver((int) Math.min(Integer.MAX_VALUE, config.limits().slotBytes()),
        config.limits().maxBlockLog2());
    thread = new Thread(this::run, "device-" + config.deviceId());
    thread.setDaemon(true);
  }

  /**
   * Boots the board from its state folder ({@code stateDir/deviceId}) and starts the device
   * thread, which connects to the broker and keeps reconnecting until {@link #close}.
   */
  public static VirtualDevice start(Config config) throws IOException {
    EmulatedFlash flash =
        EmulatedFlash.open(config.stateDir().resolve(config.deviceId()), config.limits().slotBytes());
    VirtualBoard board = new VirtualBoard(flash, config.data(), config.limits().fitRule());
    VirtualDevice device = new VirtualDevice(config, board);
    device.bootBoard();
    device.thread.start();
    return device;
  }

  /** Installs an image as the factory would (no network), before {@link #start}. */
  public static void program(Path stateDir, String deviceId, BoardLimits limits, byte[] image)
      throws IOException {
    EmulatedFlash flash = EmulatedFlash.open(stateDir.resolve(deviceId), limits.slotBytes());
    Sha256 sha = new Sha256();
    byte[] digest = new byte[Sha256.DIGEST_LENGTH];
    sha.update(image, 0, image.length);
    sha.finish(digest, 0);
    flash.program(flash.activeSlot() == EmulatedFlash.NO_SLOT ? 0 : flash.activeSlot(), image, digest);
  }

  public String id() {
    return config.deviceId();
  }

  /** Dropped messages by status (read from another thread: a snapshot, not exact mid-run). */
  public int dropped(int status) {
    return drops.count(status);
  }

  public int droppedTotal() {
    return drops.total();
  }

  /**
   * Clean shutdown: checkpoints, publishes DEATH (SHUTDOWN), disconnects, closes the client and
   * ends the device thread.
   */
  @Override
  public void close() {
    stopping = true;
    events.add(new Wake());
    awaitQuietly();
  }

  /**
   * Power loss: the thread stops where it is, nothing is saved or published, the connection drops
   * without a DISCONNECT (so the broker publishes the DEATH will).
   */
  public void kill() {
    killed = true;
    stopping = true;
    events.add(new Wake());
    awaitQuietly();
  }

  /**
   * Network loss (for tests): the device thread drops the connection without a DISCONNECT (the
   * broker publishes the DEATH will) and reconnects as after any lost connection.
   */
  public void dropConnection() {
    events.add(new Drop());
  }

  private void awaitQuietly() {
    try {
      if (!finished.await(30, TimeUnit.SECONDS)) {
        Logger.warn("{}: device thread did not stop", config.deviceId());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ the device thread

  private void bootBoard() throws IOException {
    board.boot();
    trainingState = board.running() ? board.flash().trainingState() : STOPPED;
    restoreReceiver();
    windowStartNanos = System.nanoTime();
    Logger.debug("{}: booted (boot {}), {}", config.deviceId(), board.bootCounter(),
        board.running() ? "model " + describeModel() + (board.resumed() ? ", resumed from checkpoint at sample "
            + board.cursor() : "") : "no model");
  }

  /** Rebuilds the image receiver from the transfer progress kept in flash (none: cleared). */
  private void restoreReceiver() throws IOException {
    EmulatedFlash.Transfer transfer = board.flash().transfer();
    receiver.clear();
    if (transfer != null
        && receiver.restore(transfer.transferId(), transfer.length(), transfer.blockLog2(),
            transfer.sha256(), 0, transfer.offset()) != FleetStatus.OK) {
      board.flash().abandonTransfer();
    }
  }

  private String describeModel() {
    SpelaRuntime runtime = board.runtime();
    StringBuilder shape = new StringBuilder().append(runtime.inputSize());
    for (int k = 0; k < runtime.layers(); k++) {
      shape.append('-').append(runtime.model().outputs(k));
    }
    return shape.toString();
  }

  private void run() {
    try {
      connect();
      while (!stopping) {
        boolean busy = trainingState == TRAINING && board.running();
        Event event = busy ? events.poll() : events.poll(waitMillis(), TimeUnit.MILLISECONDS);
        if (event != null) {
          handle(event);
        }
        if (stopping) {
          break;
        }
        timers();
        if (trainingState == TRAINING && board.running()) {
          trainChunk();
        }
      }
      if (!killed) {
        shutDown();
      } else {
        closeClient(false);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      Logger.error(e, "{}: device failed", config.deviceId());
      closeClient(false);
    } finally {
      finished.countDown();
    }
  }

  private long waitMillis() {
    long now = System.currentTimeMillis();
    long wait = 1_000;
    if (!connected && reconnectAtMillis > 0) {
      wait = Math.min(wait, reconnectAtMillis - now);
    }
    if (receiver.transferId() != 0 && !receiver.complete()) {
      wait = Math.min(wait, lastBlockMillis + BLOCK_RETRY_MS - now);
    }
    return Math.max(1, wait);
  }

  private void handle(Event event) throws IOException {
    if (event instanceof Incoming incoming) {
      receive(incoming.topic(), incoming.payload());
    } else if (event instanceof Connected c && c.client() == client) {
      onConnected();
    } else if (event instanceof Drop) {
      Logger.info("{}: dropping the connection", config.deviceId());
      closeClient(false);
      hostOnline = false;
      scheduleReconnect();
    } else if (event instanceof Lost lost && lost.client() == client) {
      Logger.warn("{}: connection lost ({}), reconnecting", config.deviceId(), lost.why());
      connected = false;
      hostOnline = false;
      scheduleReconnect();
    }
  }

  private void timers() throws IOException {
    long now = System.currentTimeMillis();
    if (!connected && reconnectAtMillis > 0 && now >= reconnectAtMillis) {
      connect();
    }
    if (connected && hostOnline && receiver.transferId() != 0 && !receiver.complete()
        && blockRetries < MAX_BLOCK_RETRIES && now - lastBlockMillis >= BLOCK_RETRY_MS) {
      blockRetries++;
      Logger.info("{}: no image block for {} ms, asking again from {}", config.deviceId(), BLOCK_RETRY_MS,
          receiver.nextOffset());
      requestBlocks();
    }
  }

  // ------------------------------------------------------------------ connection

  private void connect() throws IOException {
    reconnectAtMillis = 0;
    closeClient(false);
    bdSeq = board.flash().nextSession();
    seq = 0;
    recordCounter = 0;
    hostOnline = false;
    MqttAsyncClient next;
    try {
      next = new MqttAsyncClient(config.brokerUrl(), config.deviceId(), new MemoryPersistence());
    } catch (MqttException | IllegalArgumentException e) {
      throw new IOException("bad broker URL " + config.brokerUrl() + ": " + e.getMessage(), e);
    }
    client = next;
    next.setCallback(new Callback(next));
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(true);
    options.setAutomaticReconnect(false);
    options.setKeepAliveInterval(10);
    options.setConnectionTimeout(10);
    options.setMaxInflight(PAHO_MAX_IN_FLIGHT);
    death.wrapForEncode(out, 0, out.length, 0, bdSeq);
    death.reason(DeathMessage.CONNECTION_LOST);
    options.setWill(topic(Topic.DEATH, deviceName), copy(death), 1, false);
    try {
      next.connect(options, null, new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
          events.add(new Connected(next));
        }

        @Override
        public void onFailure(IMqttToken token, Throwable exception) {
          events.add(new Lost(next, exception == null ? "connect failed" : exception.getMessage()));
        }
      });
    } catch (MqttException e) {
      events.add(new Lost(next, e.getMessage()));
    }
  }

  private void onConnected() {
    connected = true;
    reconnectDelayMs = 250;
    try {
      client.subscribe(new String[] {stateTopic, commandTopic, imageTopic}, new int[] {1, 1, 1});
    } catch (MqttException e) {
      events.add(new Lost(client, "subscribe failed: " + e.getMessage()));
    }
    // Nothing is published until the host's STATE says it is online (PROTOCOL.md, Device 4).
  }

  private void scheduleReconnect() {
    reconnectAtMillis = System.currentTimeMillis() + reconnectDelayMs;
    reconnectDelayMs = Math.min(MAX_RECONNECT_MS, reconnectDelayMs * 2);
  }

  private void shutDown() throws IOException {
    if (board.running()) {
      board.checkpoint();
    }
    if (connected) {
      death.wrapForEncode(out, 0, out.length, 0, bdSeq);
      death.reason(DeathMessage.SHUTDOWN);
      publish(Topic.DEATH, death, true);
    }
    closeClient(true);
    Logger.debug("{}: shut down", config.deviceId());
  }

  /** Disconnects (politely, waiting for in-flight messages, if {@code clean}) and closes the client. */
  private void closeClient(boolean clean) {
    MqttAsyncClient current = client;
    client = null;
    connected = false;
    if (current == null) {
      return;
    }
    try {
      if (current.isConnected()) {
        if (clean) {
          current.disconnect(2_000).waitForCompletion(5_000);
        } else {
          current.disconnectForcibly(0, 100, false);
        }
      }
    } catch (MqttException e) {
      Logger.debug("{}: disconnect: {}", config.deviceId(), e.getMessage());
    }
    try {
      current.close(true);
    } catch (MqttException e) {
      Logger.debug("{}: close: {}", config.deviceId(), e.getMessage());
    }
  }

  // ------------------------------------------------------------------ receiving

  private void receive(String topicName, byte[] payload) throws IOException {
    byte[] t = topicName.getBytes(StandardCharsets.UTF_8);
    int status = topic.parse(t, 0, t.length);
    if (status == FleetStatus.OK && !addressedToMe()) {
      status = FleetStatus.BAD_TOPIC;
    }
    if (status != FleetStatus.OK) {
      drop(topicName, status);
      return;
    }
    int type = FleetProtocol.receivedType(topic.kind(), payload, payload.length);
    if (type < 0) {
      drop(topicName, type);
      return;
    }
    switch (type) {
      case FleetProtocol.HOST_STATE -> onHostState(topicName, payload);
      case FleetProtocol.COMMAND -> onCommand(topicName, payload);
      case FleetProtocol.OFFER -> onOffer(topicName, payload);
      case FleetProtocol.BLOCK -> onBlock(topicName, payload);
      default -> drop(topicName, FleetStatus.BAD_TOPIC);
    }
  }

  private boolean addressedToMe() {
    return switch (topic.kind()) {
      case Topic.STATE -> topic.idIs(hostName);
      case Topic.COMMAND, Topic.IMAGE -> topic.groupIs(groupName) && topic.idIs(deviceName);
      default -> false;
    };
  }

  private void drop(String topicName, int status) {
    drops.drop(status);
    Logger.warn("{}: dropped a message on {}: {}", config.deviceId(), topicName, FleetStatus.name(status));
  }

  private boolean decode(Message message, String topicName, byte[] payload) {
    int status = message.wrap(payload, 0, payload.length);
    if (status != FleetStatus.OK) {
      drop(topicName, status);
      return false;
    }
    return true;
  }

  /** Host messages other than STATE must be addressed to this session. */
  private boolean current(Message message, String topicName) {
    if (message.bdSeq() != bdSeq) {
      drop(topicName, FleetStatus.STALE_SESSION);
      return false;
    }
    return true;
  }

  private void onHostState(String topicName, byte[] payload) throws IOException {
    if (!decode(hostState, topicName, payload)) {
      return;
    }
    long session = hostState.session();
    if (session < hostSession) {
      drop(topicName, FleetStatus.STALE_SESSION);
      return;
    }
    if (!hostState.online()) {
      if (session == hostSession) {
        hostOnline = false; // keep training, publish nothing until the host is back
      }
      return;
    }
    if (!hostOnline || session > hostSession) {
      hostSession = session;
      hostOnline = true;
      publishBirth();
      publishPendingVerdict();
      if (receiver.transferId() != 0 && !receiver.complete()) {
        requestBlocks();
      }
    }
  }

  // ------------------------------------------------------------------ commands

  private void onCommand(String topicName, byte[] payload) throws IOException {
    if (!decode(command, topicName, payload) || !current(command, topicName) || !hostOnline) {
      return;
    }
    int id = command.commandId();
    if (lastAck != null && id == lastCommandId) {
      republish(Topic.ACK, lastAck);
      return;
    }
    int code = command.code();
    int argument = command.argument();
    ack.wrapForEncode(ackBuffer, 0, ackBuffer.length, 0, bdSeq);
    ack.answer(id, code, execute(code, argument));
    lastCommandId = id;
    lastAck = copy(ack);
    publish(Topic.ACK, ack, false);
    if (code == CommandMessage.REBIRTH) {
      publishBirth();
    } else if (code == CommandMessage.REBOOT && ack.status() == 0) {
      reboot();
    }
  }

  /** Runs a command; fills the ACK's evaluation for EVALUATE; returns the ACK status. */
  private int execute(int code, int argument) throws IOException {
    boolean model = board.running();
    switch (code) {
      case CommandMessage.START:
        return !model ? AckMessage.NO_MODEL : trainingState != STOPPED ? AckMessage.WRONG_STATE : train(TRAINING);
      case CommandMessage.PAUSE:
        return trainingState != TRAINING ? AckMessage.WRONG_STATE : train(PAUSED);
      case CommandMessage.RESUME:
        return trainingState != PAUSED ? AckMessage.WRONG_STATE : train(TRAINING);
      case CommandMessage.STOP:
        return trainingState == STOPPED ? AckMessage.WRONG_STATE : train(STOPPED);
      case CommandMessage.SET_LEARNING_RATE:
        if (!model) {
          return AckMessage.NO_MODEL;
        }
        return board.runtime().setLearningRate(argument) == RuntimeStatus.OK ? 0 : AckMessage.BAD_ARGUMENT;
      case CommandMessage.EVALUATE:
        return evaluate(argument);
      case CommandMessage.CHECKPOINT:
        if (!model) {
          return AckMessage.NO_MODEL;
        }
        board.checkpoint();
        return 0;
      case CommandMessage.REBOOT:
        return receiver.transferId() != 0 ? AckMessage.BUSY : 0;
      case CommandMessage.REBIRTH:
        return 0;
      default:
        return AckMessage.UNKNOWN_COMMAND;
    }
  }

  private int train(int next) throws IOException {
    int previous = trainingState;
    trainingState = next;
    board.flash().trainingState(next);
    if (next == TRAINING && previous != TRAINING) {
      board.closeWindow();
      windowStartNanos = System.nanoTime();
    } else if (previous == TRAINING) {
      endWindow();
      board.checkpoint();
    }
    return 0;
  }

  private int evaluate(int maxSamples) {
    if (!board.running()) {
      return AckMessage.NO_MODEL;
    }
    if (board.data().heldOut().count() == 0) {
      return AckMessage.NO_DATA;
    }
    VirtualBoard.Evaluation e = board.evaluate(maxSamples);
    int layers = e.correctPerLayer().length;
    int status = ack.result(e.samples(), layers);
    if (status != FleetStatus.OK) {
      return AckMessage.FAILED;
    }
    for (int k = 0; k < layers; k++) {
      ack.accuracy(k, (int) ((long) e.correctPerLayer()[k] * DataMessage.Q15_ONE / e.samples()));
    }
    return 0;
  }

  private void reboot() throws IOException {
    Logger.debug("{}: rebooting", config.deviceId());
    if (board.running()) {
      board.checkpoint();
    }
    death.wrapForEncode(out, 0, out.length, 0, bdSeq);
    death.reason(DeathMessage.REBOOT);
    publish(Topic.DEATH, death, true);
    closeClient(true);
    lastAck = null;
    bootBoard();
    connect();
  }

  // ------------------------------------------------------------------ training and telemetry

  private void trainChunk() throws IOException {
    int window = board.window().samples;
    int n = Math.min(TRAIN_CHUNK, config.recordEvery() - window);
    if (config.epochs() > 0) {
      long remaining = (long) config.epochs() * board.data().train().count() - board.cursor();
      n = (int) Math.min(n, remaining);
    }
    if (n > 0 && board.train(n) < n) {
      train(STOPPED); // a failing step stops training; the record says so
      return;
    }
    if (config.epochs() > 0 && board.epoch() >= config.epochs()) {
      Logger.debug("{}: {} epochs done", config.deviceId(), board.epoch());
      train(STOPPED);
      return;
    }
    if (board.window().samples >= config.recordEvery()) {
      endWindow();
      if (++recordsSinceCheckpoint >= config.checkpointEvery()) {
        recordsSinceCheckpoint = 0;
        board.checkpoint();
      }
    }
  }

  /** Publishes the window's DATA record (or skips it if the window of publishes is full). */
  private void endWindow() throws IOException {
    VirtualBoard.Window window = board.window();
    if (window.samples == 0 && trainingState == TRAINING) {
      return;
    }
    long record = recordCounter++;
    long elapsed = System.nanoTime() - windowStartNanos;
    if (connected && hostOnline && dataInFlight.get() < MAX_DATA_IN_FLIGHT) {
      SpelaRuntime runtime = board.runtime();
      int layers = runtime.layers();
      data.wrapForEncode(out, 0, out.length, 0, bdSeq);
      data.record((int) record, trainingState, System.currentTimeMillis());
      data.progress(runtime.samplesSeen(), board.epoch(),
          window.samples == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, elapsed / 1000 / window.samples),
          (int) Math.min(Integer.MAX_VALUE, config.limits().ramUsed(runtime.model())),
          runtime.learningRate());
      data.layerCount(layers);
      for (int k = 0; k < layers; k++) {
        int n = Math.max(1, window.samples);
        data.layer(k, (int) ((long) window.correct[k] * DataMessage.Q15_ONE / n),
            (int) (window.lossSum[k] / n), Math.max(0, runtime.weightNormQ16(k)));
      }
      dataInFlight.incrementAndGet();
      publish(Topic.DATA, data, false);
    }
    board.closeWindow();
    windowStartNanos = System.nanoTime();
  }

  private void publishBirth() throws IOException {
    seq = 0;
    EmulatedFlash flash = board.flash();
    SpelaRuntime runtime = board.runtime();
    BoardLimits limits = config.limits();
    birth.wrapForEncode(out, 0, out.length, 0, bdSeq);
    Name boardName = Names.of(limits.board().id());
    int capabilities = BirthMessage.CAN_TRAIN | BirthMessage.CAN_CHECKPOINT | BirthMessage.CAN_RECEIVE_IMAGES
        | BirthMessage.HAS_WALL_CLOCK | (board.data().heldOut().count() > 0 ? BirthMessage.CAN_EVALUATE : 0);
    birth.board(boardName).runtimeVersion(RUNTIME_MAJOR, RUNTIME_MINOR).capabilities(capabilities)
        .bootCount((int) board.bootCounter())
        .memory((int) limits.board().sramBytes(), runtime == null ? 0 : (int) limits.ramUsed(runtime.model()),
            (int) limits.flashBudget(), runtime == null ? 0 : (int) limits.flashUsed(runtime.model()))
        .imageSlot((int) limits.slotBytes(), limits.maxBlockLog2())
        .trainingState(trainingState)
        .deviceTimeMs(System.currentTimeMillis());
    if (runtime != null) {
      byte[] sha = board.runningSha256();
      int slot = flash.activeSlot();
      birth.image(BirthMessage.IMAGE_CONFIRMED, slot, flash.readSlot(slot).length, sha, 0);
      birth.model(runtime.layers(), runtime.classes(), runtime.learningRate(), runtime.samplesSeen());
    }
    if (receiver.transferId() != 0 && !receiver.complete()) {
      birth.pendingTransfer(receiver.transferId(), receiver.nextOffset());
    }
    publish(Topic.BIRTH, birth, false);
  }

  private void publishPendingVerdict() throws IOException {
    EmulatedFlash.PendingVerdict pending = board.flash().pendingVerdict();
    if (pending != null) {
      publishVerdict(pending.transferId(), pending.outcome(), pending.reason(), pending.detail());
      board.flash().pendingVerdict(null);
    }
  }

  private void publishVerdict(int transferId, int outcome, int reason, int detail) throws IOException {
    byte[] running = board.runningSha256();
    verdict.wrapForEncode(out, 0, out.length, 0, bdSeq);
    verdict.verdict(transferId, outcome, reason, detail, running == null ? new byte[32] : running, 0);
    publish(Topic.IMAGE_REPLY, verdict, false);
    Logger.debug("{}: image transfer {}: {}", config.deviceId(), Integer.toUnsignedString(transferId),
        VerdictNames.describe(outcome, reason));
  }

  // ------------------------------------------------------------------ image transfer

  private void onOffer(String topicName, byte[] payload) throws IOException {
    if (!decode(offer, topicName, payload) || !current(offer, topicName) || !hostOnline) {
      return;
    }
    int id = offer.transferId();
    if (board.flash().trialSlot() != EmulatedFlash.NO_SLOT) {
      publishVerdict(id, VerdictMessage.REFUSED, VerdictMessage.BUSY, 0);
      return;
    }
    int previous = receiver.transferId();
    boolean unfinished = previous != 0 && !receiver.complete();
    int decision = receiver.offer(offer); // checks slot, block size and length first (PROTOCOL.md order)
    byte[] running = board.runningSha256();
    if (decision != ImageReceiver.REFUSE && running != null && offer.sha256Equals(running, 0)) {
      restoreReceiver(); // nothing to transfer: keep the progress of any unfinished transfer
      publishVerdict(id, VerdictMessage.CONFIRMED, VerdictMessage.ALREADY_RUNNING, 0);
      return;
    }
    switch (decision) {
      case ImageReceiver.REFUSE -> publishVerdict(id, VerdictMessage.REFUSED, receiver.refusal(), 0);
      case ImageReceiver.RESUME -> {
        Logger.info("{}: resuming image transfer {} at {}", config.deviceId(), Integer.toUnsignedString(id),
            receiver.nextOffset());
        startRequests();
      }
      default -> {
        if (unfinished && previous != id) {
          publishVerdict(previous, VerdictMessage.REFUSED, VerdictMessage.SUPERSEDED, 0);
        }
        byte[] sha = new byte[Sha256.DIGEST_LENGTH];
        receiver.sha256(sha, 0);
        try {
          board.flash().beginTransfer(id, sha, receiver.imageLength(), receiver.blockLog2());
        } catch (IOException e) {
          receiver.clear();
          publishVerdict(id, VerdictMessage.REFUSED, VerdictMessage.WRITE_FAILED, 0);
          return;
        }
        Logger.debug("{}: receiving image transfer {} ({} bytes)", config.deviceId(), Integer.toUnsignedString(id),
            receiver.imageLength());
        startRequests();
      }
    }
  }

  private void startRequests() throws IOException {
    blockRetries = 0;
    requestBlocks();
  }

  private void requestBlocks() throws IOException {
    blockRequest.wrapForEncode(out, 0, out.length, 0, bdSeq);
    if (receiver.request(blockRequest, BLOCKS_PER_REQUEST) != FleetStatus.OK) {
      return;
    }
    requestWindowEnd = blockRequest.imageOffset() + blockRequest.blockCount() * receiver.blockLength();
    lastBlockMillis = System.currentTimeMillis();
    publish(Topic.IMAGE_REPLY, blockRequest, false);
  }

  private void onBlock(String topicName, byte[] payload) throws IOException {
    if (!decode(block, topicName, payload) || !current(block, topicName)) {
      return;
    }
    int status = receiver.accept(block);
    if (status != FleetStatus.OK) {
      drop(topicName, status);
      if (status == FleetStatus.BAD_CRC || status == FleetStatus.BAD_FIELD) {
        requestBlocks();
      }
      return;
    }
    try {
      board.flash().writeBlock(block.imageOffset(), block.buffer(), block.dataOffset(), block.dataLength());
    } catch (IOException | IllegalStateException e) {
      Logger.warn("{}: writing image block failed: {}", config.deviceId(), e.getMessage());
      int id = receiver.transferId();
      receiver.clear();
      board.flash().abandonTransfer();
      publishVerdict(id, VerdictMessage.REFUSED, VerdictMessage.WRITE_FAILED, 0);
      return;
    }
    lastBlockMillis = System.currentTimeMillis();
    blockRetries = 0;
    if (receiver.complete()) {
      finishTransfer();
    } else if (receiver.nextOffset() >= requestWindowEnd) {
      requestBlocks();
    }
  }

  private void finishTransfer() throws IOException {
    int id = receiver.transferId();
    receiver.clear();
    int reason = board.install();
    if (reason != VerdictMessage.NONE) {
      publishVerdict(id, VerdictMessage.REFUSED, reason, board.lastStatus());
      return;
    }
    reboot(); // trial boot; the VERDICT follows the next BIRTH
  }

  // ------------------------------------------------------------------ publishing

  /** Publishes the message just encoded in {@code message} on this device's topic of {@code kind}. */
  private void publish(int kind, Message message, boolean wait) throws IOException {
    if (message.type() != FleetProtocol.DEATH) {
      message.seq(seq);
      seq = (seq + 1) & 0xFF;
    }
    send(kind, copy(message), qos(message.type()), wait, message.type() == FleetProtocol.DATA);
  }

  /** Publishes a kept message again (a repeated command's ACK) with the next {@code seq}. */
  private void republish(int kind, byte[] payload) throws IOException {
    payload[FleetProtocol.H_SEQ] = (byte) seq;
    seq = (seq + 1) & 0xFF;
    send(kind, payload.clone(), 1, false, false);
  }

  private void send(int kind, byte[] payload, int qos, boolean wait, boolean isData) throws IOException {
    MqttAsyncClient current = client;
    if (current == null || !connected) {
      if (isData) {
        dataInFlight.decrementAndGet();
      }
      return;
    }
    try {
      IMqttDeliveryToken token = current.publish(topic(kind, deviceName), payload, qos, false, null,
          isData ? new DataDelivered() : null);
      if (wait) {
        token.waitForCompletion(5_000);
      }
    } catch (MqttException e) {
      if (isData) {
        dataInFlight.decrementAndGet();
      }
      Logger.debug("{}: publish failed: {}", config.deviceId(), e.getMessage());
    }
  }

  private final class DataDelivered implements IMqttActionListener {
    @Override
    public void onSuccess(IMqttToken token) {
      dataInFlight.decrementAndGet();
    }

    @Override
    public void onFailure(IMqttToken token, Throwable exception) {
      dataInFlight.decrementAndGet();
    }
  }

  private String topic(int kind, Name id) {
    int length = Topic.write(topicBytes, 0, kind, groupName, id);
    if (length < 0) {
      throw new IllegalArgumentException("cannot form a topic for " + config.group() + "/" + config.deviceId());
    }
    return new String(topicBytes, 0, length, StandardCharsets.US_ASCII);
  }

  private static byte[] copy(Message message) {
    byte[] bytes = new byte[message.encodedLength()];
    System.arraycopy(message.buffer(), message.offset(), bytes, 0, bytes.length);
    return bytes;
  }

  /** Paho's callback: events for the device thread, nothing else. */
  private final class Callback implements MqttCallbackExtended {
    private final MqttAsyncClient owner;

    Callback(MqttAsyncClient owner) {
      this.owner = owner;
    }

    @Override
    public void connectionLost(Throwable cause) {
      events.add(new Lost(owner, cause == null ? "closed" : String.valueOf(cause.getMessage())));
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      events.add(new Incoming(topic, message.getPayload()));
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverUri) {}
  }
}
