package dev.spela.agent;

import static dev.spela.protocols.fleet.BirthMessage.PAUSED;
import static dev.spela.protocols.fleet.BirthMessage.STOPPED;
import static dev.spela.protocols.fleet.BirthMessage.TRAINING;

import dev.spela.protocols.fleet.AckMessage;
import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.BlockMessage;
import dev.spela.protocols.fleet.BlockRequestMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.DataMessage;
import dev.spela.protocols.fleet.DeathMessage;
import dev.spela.protocols.fleet.DeviceAuthentication;
import dev.spela.protocols.fleet.DeviceSession;
import dev.spela.protocols.fleet.DropCounters;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.HostStateMessage;
import dev.spela.protocols.fleet.ImageReceiver;
import dev.spela.protocols.fleet.Message;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.OfferMessage;
import dev.spela.protocols.fleet.ReceiptMessage;
import dev.spela.protocols.fleet.Topic;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.protocols.storage.FlashStatus;
import dev.spela.protocols.subset.SteadyState;
import dev.spela.runtime.RuntimeStatus;
import dev.spela.runtime.SpelaRuntime;

/**
 * A device's side of fleet protocol v2 (protocols/PROTOCOL.md) as device code: lifecycle (the
 * primary and secondary hosts' STATE, BIRTH and DEATH, {@code bdSeq} and {@code seq}, the life id
 * and per-boot record numbers), commands and their ACKs, image transfers
 * into the inactive slot with trial and confirm, telemetry windows and DATA, checkpoints and the
 * block-retry timer, over the {@link Board} it runs on.
 *
 * <p>Driven like Agrona's {@code Agent}: the adapter that owns the thread, the socket and the clock
 * calls {@link #boot} once, then {@link #onConnected}, {@link #onConnectionLost} and {@link
 * #onMessage} as they happen and {@link #doWork} in between, all on one thread; the agent answers
 * through its ports ({@link Transport}, {@link Reports}). It allocates only in its constructor,
 * never throws for any input, and counts what it drops ({@link #dropped}).
 */
@SteadyState
public final class DeviceAgent {

  public static final int RUNTIME_MAJOR = 0;
  public static final int RUNTIME_MINOR = 1;

  private static final long FIRST_RECONNECT_MILLIS = 250;

  /** A secondary host's STATE gets at most one BIRTH per this (PROTOCOL.md section 7). */
  static final long BIRTH_INTERVAL_MILLIS = 2_000;

  private static final long NONE = Long.MIN_VALUE;

  /**
   * The telemetry window grows to at most 2^this times the configured one under backpressure: a
   * fast learner (tens of thousands of steps a second on a desktop JVM) keeps a full minute's
   * outage in its 64 records.
   */
  static final int MAX_WINDOW_SHIFT = 12;

  /**
   * While the record buffer is full the window stays open, up to this many training steps (the
   * window's counters are 32-bit): the record taken once a slot frees covers them all, where a
   * dropped record would have left a hole (PROTOCOL.md section 9, "Backpressure").
   */
  static final int MAX_HELD_WINDOW = 1 << 30;

  /** QoS 1 publishes whose acknowledgements the agent can attribute (DATA or not) at a time. */
  private static final int TRACKED_PUBLISHES = 256;

  /**
   * With receipts, records in flight and no receipt releasing one for this long are sent again
   * (PROTOCOL.md section 9): a receipt lost on its way would otherwise hold them until the next
   * reconnection. Doubled at each such re-send up to {@link #MAX_RECEIPT_SILENCE_MILLIS}, so that a
   * paused collector's queue gets few copies.
   */
  static final long RECEIPT_SILENCE_MILLIS = 30_000;

  static final long MAX_RECEIPT_SILENCE_MILLIS = 600_000;

  /** How often a device with records to send and a full window looks for acknowledgements. */
  private static final long DRAIN_POLL_MILLIS = 20;

  private final Transport transport;
  private final Clock clock;
  private final Reports reports;
  private final Board board;
  private final Name deviceId = new Name();
  private final Name group = new Name();
  private final Name hostId = new Name();
  private final Name boardId = new Name();
  private final int capabilities;
  private final int ramBudget;
  private final int ramUsed;
  private final int flashBudget;
  private final int flashUsed;
  private final int maxBlockLog2;
  private final int recordEvery;
  private final int checkpointEvery;
  private final int epochs;
  private final int blocksPerRequest;
  private final long blockRetryMillis;
  private final int maxBlockRetries;
  private final int maxDataInFlight;
  private final int trainChunk;
  private final long maxReconnectMillis;

  private final DeviceSession session = new DeviceSession();
  /** PROTOCOL.md section 5: seals what the device sends, checks what its host sends. */
  private final DeviceAuthentication authentication = new DeviceAuthentication();
  private final RateLimit checkpoints;
  private final RateLimit evaluations;
  private final ImageReceiver receiver;
  private final DropCounters drops = new DropCounters();
  private final RecordRing records;
  /** The current connection's unacknowledged QoS 1 publishes, oldest first: DATA or not. */
  private final boolean[] trackedIsData = new boolean[TRACKED_PUBLISHES];

  // One message is encoded at a time; the ACK of a command has its own buffer, as it is kept to
  // answer a repeated command and executing the command may publish meanwhile.
  private final byte[] out = new byte[FleetProtocol.MAX_MESSAGE_LENGTH];
  private final byte[] ackBuffer =
      new byte[
          FleetProtocol.HEADER_LENGTH
              + AckMessage.MAX_BODY_LENGTH
              + FleetProtocol.trailerLength(FleetProtocol.ACK)];
  private final byte[] topicBytes = new byte[Topic.MAX_LENGTH];
  private final byte[] sha = new byte[32];
  private final Topic topic = new Topic();
  private final BirthMessage birth = new BirthMessage();
  private final DeathMessage death = new DeathMessage();
  private final DataMessage data = new DataMessage();
  private final AckMessage ack = new AckMessage();
  private final CommandMessage command = new CommandMessage();
  private final ReceiptMessage receipt = new ReceiptMessage();
  private final HostStateMessage hostState = new HostStateMessage();
  private final OfferMessage offer = new OfferMessage();
  private final BlockMessage block = new BlockMessage();
  private final BlockRequestMessage blockRequest = new BlockRequestMessage();
  private final VerdictMessage verdict = new VerdictMessage();

  private long now;
  private boolean connecting;
  private boolean connected;
  // PROTOCOL.md section 7: DATA flows only while the primary host is online; commands and image
  // transfers are served for any host heard on this connection (a secondary one too).
  private boolean primaryOnline;
  // PROTOCOL.md section 9: the primary's collectors receipt what they store, so a record stays
  // until a receipt names it; otherwise it leaves when the broker acknowledges it.
  private boolean primaryReceipts;
  private boolean secondaryHeard;
  private long lastBirthAt = NONE;
  private long birthDueAt = NONE;
  private int recordsDropped;
  private int windowShift;
  /** A record the window owes (a change of training state) waits for a slot in the full buffer. */
  private boolean recordOwed;
  /** When training paused or stopped with a record owed: its window's time ends there. */
  private long pausedAtMicros;
  private int trackedHead;
  private int trackedCount;
  /** QoS 1 publishes of this connection, and how many of them were seen acknowledged. */
  private int qos1Published;
  private int acknowledgedSeen;
  private boolean trackingLost;
  private long reconnectAt;
  /** Since when records in flight wait for a receipt; the silence after which they go again. */
  private long receiptWaitSince;
  private long receiptSilence = RECEIPT_SILENCE_MILLIS;
  private long reconnectDelay = FIRST_RECONNECT_MILLIS;
  private boolean unreachableReported;
  private int trainingState;
  private int recordsSinceCheckpoint;
  private long windowStartMicros;
  private int lastCommandId;
  private boolean ackKept;
  private int requestWindowEnd;
  private long lastBlockAt;
  private int blockRetries;

  /** Builds the agent and its board (the runtime's arena for the configured capacity). */
  public DeviceAgent(
      AgentConfig config,
      DeviceFlash flash,
      Transport transport,
      Sensor sensor,
      Clock clock,
      Reports reports) {
    this.transport = transport;
    this.clock = clock;
    this.reports = reports;
    board = new Board(flash, sensor, reports, config);
    deviceId.set(config.deviceId);
    group.set(config.group);
    hostId.set(config.hostId);
    boardId.set(config.boardId);
    ramBudget = config.ramBudget;
    ramUsed = config.ramUsed;
    flashBudget = config.flashBudget;
    flashUsed = config.flashUsed;
    recordEvery = config.recordEvery;
    checkpointEvery = config.checkpointEvery;
    epochs = config.epochs;
    blocksPerRequest = config.blocksPerRequest;
    blockRetryMillis = config.blockRetryMillis;
    maxBlockRetries = config.maxBlockRetries;
    maxDataInFlight = config.maxDataInFlight;
    trainChunk = config.trainChunk;
    maxReconnectMillis = config.maxReconnectMillis;
    int slotBytes = board.imageSlotBytes();
    maxBlockLog2 = slotBytes > 0 ? config.maxBlockLog2 : 0;
    receiver = new ImageReceiver(slotBytes, maxBlockLog2);
    records = new RecordRing(config.recordBuffer, recordSlotBytes(config.capacity.layers()));
    checkpoints = new RateLimit(config.checkpointIntervalMillis, config.commandBurst);
    evaluations = new RateLimit(config.evaluateIntervalMillis, config.commandBurst);
    if (config.secured) {
      authentication.keys(config.deviceKey, 0, config.hostPublicKey, 0);
    }
    capabilities =
        BirthMessage.CAN_TRAIN
            | BirthMessage.CAN_CHECKPOINT
            | (slotBytes > 0 ? BirthMessage.CAN_RECEIVE_IMAGES : 0)
            | (config.wallClock ? BirthMessage.HAS_WALL_CLOCK : 0)
            | (sensor.heldOutCount() > 0 ? BirthMessage.CAN_EVALUATE : 0);
  }

  /** A record buffer slot: the longest DATA message of a model with {@code layers} layers. */
  public static int recordSlotBytes(int layers) {
    return FleetProtocol.HEADER_LENGTH
        + DataMessage.LAYERS
        + DataMessage.LAYER_LENGTH * Math.max(1, layers);
  }

  /**
   * RAM of the telemetry buffer (PROTOCOL.md section 9) of {@code records} records for a model
   * with {@code layers} layers: its slots and their lengths, without the VM's array headers.
   */
  public static int telemetryBufferBytes(int records, int layers) {
    return RecordRing.bytes(records, recordSlotBytes(layers));
  }

  // ------------------------------------------------------------------ driving

  /** Boots the board (trial, slots, checkpoint); connecting starts at the next {@link #doWork}. */
  public boolean boot() {
    board.boot();
    session.boot();
    recordsDropped = 0;
    windowShift = 0;
    recordOwed = false;
    records.clear();
    trainingState = board.running() ? board.trainingState() : STOPPED;
    board.restoreTransfer(receiver);
    board.closeWindow();
    windowStartMicros = clock.micros();
    ackKept = false;
    connected = false;
    connecting = false;
    hostGone();
    reconnectAt = now;
    return board.running();
  }

  /**
   * Does what is due at {@code nowMillis} (a monotonic clock): (re)connecting, the block-retry
   * timer, a chunk of training.
   *
   * @return how much work was done (0: idle until a message or {@link #idleMillis})
   */
  public int doWork(long nowMillis) {
    now = nowMillis;
    int work = 0;
    if (!connected && !connecting && now >= reconnectAt) {
      connect();
      work++;
    }
    if (connected && birthDueAt != NONE && now >= birthDueAt) {
      publishBirth();
      work++;
    }
    if (connected
        && hostHeard()
        && transferUnfinished()
        && blockRetries < maxBlockRetries
        && now - lastBlockAt >= blockRetryMillis) {
      blockRetries++;
      reports.report(AgentEvent.BLOCK_RETRY, receiver.nextOffset(), blockRetries);
      requestBlocks();
      work++;
    }
    if (receiptsSilent()) {
      sendAgain();
      receiptSilence = Math.min(MAX_RECEIPT_SILENCE_MILLIS, receiptSilence * 2);
      work++;
    }
    if (trainingState == TRAINING && board.running()) {
      trainChunk();
      work++;
    } else if (recordOwed && records.hasRoom()) {
      endWindow();
      work++;
    }
    if (sendRecords() > 0) {
      work++;
    }
    narrowWindow();
    return work;
  }

  /** How long, from {@code nowMillis}, the agent has nothing to do unless a message comes. */
  public long idleMillis(long nowMillis) {
    if (trainingState == TRAINING && board.running()) {
      return 0;
    }
    long wait = Long.MAX_VALUE;
    if (!connected && !connecting) {
      wait = reconnectAt - nowMillis;
    }
    if (connected && hostHeard() && transferUnfinished() && blockRetries < maxBlockRetries) {
      wait = Math.min(wait, lastBlockAt + blockRetryMillis - nowMillis);
    }
    if (connected && birthDueAt != NONE) {
      wait = Math.min(wait, birthDueAt - nowMillis);
    }
    if (connected && primaryOnline && (records.unsent() > 0 || recordOwed)) {
      wait = Math.min(wait, DRAIN_POLL_MILLIS); // acknowledgements come without an event
    }
    if (awaitingReceipts()) {
      wait = Math.min(wait, receiptWaitSince + receiptSilence - nowMillis);
    }
    return Math.max(0, wait);
  }

  /** The transport's connection is up: subscribe; publish nothing until the host is online. */
  public void onConnected() {
    connecting = false;
    connected = true;
    reconnectDelay = FIRST_RECONNECT_MILLIS;
    unreachableReported = false;
    transport.subscribe(topicBytes, Topic.write(topicBytes, 0, Topic.STATE, null, hostId));
    transport.subscribe(topicBytes, Topic.write(topicBytes, 0, Topic.COMMAND, group, deviceId));
    transport.subscribe(topicBytes, Topic.write(topicBytes, 0, Topic.IMAGE, group, deviceId));
  }

  /**
   * The connection failed or dropped: reconnect later with a new session. A dropped connection is
   * reported each time; failed attempts once until one succeeds.
   */
  public void onConnectionLost() {
    if (connected) {
      reports.report(AgentEvent.CONNECTION_LOST, 0, 0);
    } else if (connecting && !unreachableReported) {
      unreachableReported = true;
      int limit = (int) Math.min(Integer.MAX_VALUE, maxReconnectMillis);
      reports.report(AgentEvent.BROKER_UNREACHABLE, limit, 0);
    }
    settleAcknowledgements(); // what the broker acknowledged before the loss has left the buffer
    connecting = false;
    connected = false;
    hostGone();
    forgetPublishes();
    reconnectAt = now + reconnectDelay;
    reconnectDelay = Math.min(maxReconnectMillis, reconnectDelay * 2);
  }

  /**
   * A message arrived on {@code topic[0, topicLength)}; it is checked completely before use, and
   * in a secured fleet (keys in the config) authenticated before it may change anything.
   */
  public void onMessage(byte[] topicName, int topicLength, byte[] payload, int length) {
    int status = topic.parse(topicName, 0, topicLength);
    if (status == FleetStatus.OK && !addressedToMe()) {
      status = FleetStatus.BAD_TOPIC;
    }
    int type =
        status == FleetStatus.OK
            ? FleetProtocol.receivedType(topic.kind(), payload, length)
            : status;
    switch (type) {
      case FleetProtocol.HOST_STATE:
        onHostState(topicName, topicLength, payload, length);
        break;
      case FleetProtocol.COMMAND:
        onCommand(topicName, topicLength, payload, length);
        break;
      case FleetProtocol.RECEIPT:
        onReceipt(topicName, topicLength, payload, length);
        break;
      case FleetProtocol.OFFER:
        onOffer(topicName, topicLength, payload, length);
        break;
      case FleetProtocol.BLOCK:
        onBlock(topicName, topicLength, payload, length);
        break;
      default:
        drop(type < 0 ? type : FleetStatus.BAD_TOPIC);
    }
  }

  /**
   * Clean shutdown: checkpoints, publishes DEATH (SHUTDOWN) if connected, disconnects. The agent
   * stays usable: {@link #doWork} would connect again.
   */
  public void shutdown() {
    if (board.running()) {
      board.checkpoint();
    }
    disconnect(DeathMessage.SHUTDOWN);
  }

  // ------------------------------------------------------------------ state for the adapter

  public Board board() {
    return board;
  }

  public boolean connected() {
    return connected;
  }

  public int trainingState() {
    return trainingState;
  }

  /** DATA records still on the device: waiting to be sent, or sent and not yet released. */
  public int bufferedRecords() {
    return records.size();
  }

  /**
   * DATA records sent on this connection and not yet released (by a receipt, or without receipts
   * by the broker's acknowledgement): at most {@code maxDataInFlight}.
   */
  public int recordsInFlight() {
    return records.inFlight();
  }

  /** Training steps the current telemetry window covers: wider under backpressure. */
  public int telemetryWindow() {
    return window();
  }

  /** Records of this boot dropped from the full buffer (never sent), as DATA reports them. */
  public int recordsDropped() {
    return recordsDropped;
  }

  /** Messages dropped with this status. */
  public int dropped(int status) {
    return drops.count(status);
  }

  public int droppedTotal() {
    return drops.total();
  }

  // ------------------------------------------------------------------ connection

  private void connect() {
    session.begin(board.nextSession());
    authentication.begin(session.bdSeq());
    hostGone();
    forgetPublishes();
    death.wrapForEncode(out, 0, out.length, 0, session.bdSeq());
    death.reason(DeathMessage.CONNECTION_LOST);
    int topicLength = Topic.write(topicBytes, 0, Topic.DEATH, group, deviceId);
    authentication.sealWill(topicBytes, topicLength, death);
    connecting = transport.connect(topicBytes, topicLength, out, death.encodedLength()) == 0;
    if (!connecting) {
      onConnectionLost();
    }
  }

  private void disconnect(int reason) {
    if (connected) {
      death.wrapForEncode(out, 0, out.length, 0, session.bdSeq());
      death.reason(reason);
      publish(Topic.DEATH, death);
      transport.disconnect();
    }
    connected = false;
    connecting = false;
    hostGone();
  }

  /** Checkpoints, says DEATH (REBOOT), and boots again (a trial image, or the same one). */
  private void reboot() {
    reports.report(AgentEvent.REBOOTING, 0, 0);
    if (board.running()) {
      board.checkpoint();
    }
    disconnect(DeathMessage.REBOOT);
    boot();
  }

  private boolean addressedToMe() {
    switch (topic.kind()) {
      case Topic.STATE:
        return topic.idIs(hostId);
      case Topic.COMMAND:
      case Topic.IMAGE:
        return topic.groupIs(group) && topic.idIs(deviceId);
      default:
        return false;
    }
  }

  private void drop(int status) {
    drops.drop(status);
    reports.report(AgentEvent.MESSAGE_DROPPED, status, 0);
  }

  /**
   * Decodes into {@code message} and authenticates it (PROTOCOL.md section 5: after decoding,
   * before any other rule); host messages other than STATE must address this session.
   */
  private boolean decode(
      Message message, byte[] topicName, int topicLength, byte[] payload, int length) {
    int status = message.wrap(payload, 0, length);
    if (status == FleetStatus.OK) {
      status = authentication.check(topicName, topicLength, message);
    }
    if (status == FleetStatus.OK
        && message.type() != FleetProtocol.HOST_STATE
        && message.bdSeq() != session.bdSeq()) {
      status = FleetStatus.STALE_SESSION;
    }
    if (status != FleetStatus.OK) {
      drop(status);
      return false;
    }
    return true;
  }

  /** PROTOCOL.md section 7, "Device": the primary's session rules; a secondary asks a BIRTH. */
  private void onHostState(byte[] topicName, int topicLength, byte[] payload, int length) {
    if (!decode(hostState, topicName, topicLength, payload, length)) {
      return;
    }
    if (hostState.role() == HostStateMessage.SECONDARY) {
      onSecondaryState();
      return;
    }
    long seen = hostState.session();
    long kept = board.primarySession();
    if (seen < kept) {
      drop(FleetStatus.STALE_SESSION); // a late will or a stale retained STATE
      return;
    }
    if (!hostState.online()) {
      if (seen == kept) {
        primaryOnline = false; // keep training; records wait (or are counted dropped)
      }
      return;
    }
    if (!primaryOnline || seen > kept || hostState.receipts() != primaryReceipts) {
      board.primarySession(seen);
      boolean greeted = hostHeard();
      primaryOnline = true;
      primaryReceipts = hostState.receipts();
      greet(greeted);
      sendAgain(); // a new or returning collector may not have what was sent (section 9)
    }
  }

  /**
   * PROTOCOL.md section 9, "Receipts": records the collector committed leave the buffer, in any
   * order. A receipt of another session, boot or life, or one a collector sends while the primary
   * does not announce receipts, changes nothing.
   */
  private void onReceipt(byte[] topicName, int topicLength, byte[] payload, int length) {
    if (!decode(receipt, topicName, topicLength, payload, length)) {
      return;
    }
    if (!primaryReceipts
        || receipt.lifeId() != board.lifeId()
        || receipt.bootCount() != board.state().bootCount()) {
      drop(FleetStatus.STALE_SESSION);
      return;
    }
    if (records.stored(receipt) > 0) {
      receiptWaitSince = now;
      receiptSilence = RECEIPT_SILENCE_MILLIS;
    }
  }

  private boolean awaitingReceipts() {
    return connected && primaryOnline && primaryReceipts && records.inFlight() > 0;
  }

  private boolean receiptsSilent() {
    return awaitingReceipts() && now - receiptWaitSince >= receiptSilence;
  }

  /** A secondary host (a short command): a BIRTH for its device table, at most one per interval. */
  private void onSecondaryState() {
    if (!hostHeard()) {
      secondaryHeard = true;
      greet(false);
      return;
    }
    secondaryHeard = true;
    if (lastBirthAt == NONE || now - lastBirthAt >= BIRTH_INTERVAL_MILLIS) {
      publishBirth();
    } else if (birthDueAt == NONE) {
      birthDueAt = lastBirthAt + BIRTH_INTERVAL_MILLIS;
    }
  }

  /**
   * BIRTH to a host heard; the first host heard on this connection also gets what waited for one:
   * a trial boot's VERDICT and the unfinished transfer's BLOCK_REQUEST.
   */
  private void greet(boolean greeted) {
    publishBirth();
    if (!greeted) {
      publishPendingVerdict();
      if (transferUnfinished()) {
        requestBlocks();
      }
    }
  }

  private boolean hostHeard() {
    return primaryOnline || secondaryHeard;
  }

  /** The connection (or the host) is gone: nothing more is sent until a host is heard again. */
  private void hostGone() {
    primaryOnline = false;
    secondaryHeard = false;
    birthDueAt = NONE;
  }

  // ------------------------------------------------------------------ commands

  private void onCommand(byte[] topicName, int topicLength, byte[] payload, int length) {
    if (!decode(command, topicName, topicLength, payload, length) || !hostHeard()) {
      return;
    }
    int id = command.commandId();
    if (ackKept && id == lastCommandId) {
      publish(Topic.ACK, ack); // the kept ACK (the flyweight stays on its buffer), sealed anew
      return;
    }
    int code = command.code();
    ack.wrapForEncode(ackBuffer, 0, ackBuffer.length, 0, session.bdSeq());
    ack.answer(id, code, execute(code, command.argument()));
    lastCommandId = id;
    ackKept = true;
    publish(Topic.ACK, ack);
    if (code == CommandMessage.REBIRTH) {
      publishBirth();
    } else if (code == CommandMessage.REBOOT && ack.status() == 0) {
      reboot();
    }
  }

  /** Runs a command; fills the ACK's evaluation for EVALUATE; returns the ACK status. */
  private int execute(int code, int argument) {
    boolean model = board.running();
    switch (code) {
      case CommandMessage.START:
        if (!model) {
          return AckMessage.NO_MODEL;
        }
        return trainingState != STOPPED ? AckMessage.WRONG_STATE : train(TRAINING);
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
        return board.runtime().setLearningRate(argument) == RuntimeStatus.OK
            ? AckMessage.OK
            : AckMessage.BAD_ARGUMENT;
      case CommandMessage.EVALUATE:
        return !evaluations.take(now) ? AckMessage.RATE_LIMITED : evaluate(argument);
      case CommandMessage.CHECKPOINT:
        if (!model) {
          return AckMessage.NO_MODEL;
        }
        if (!checkpoints.take(now)) {
          return AckMessage.RATE_LIMITED;
        }
        return board.checkpoint() == 0 ? AckMessage.OK : AckMessage.FAILED;
      case CommandMessage.REBOOT:
        return receiver.transferId() != 0 ? AckMessage.BUSY : AckMessage.OK;
      case CommandMessage.REBIRTH:
        return AckMessage.OK;
      default:
        return AckMessage.UNKNOWN_COMMAND;
    }
  }

  private int train(int next) {
    int previous = trainingState;
    trainingState = next;
    board.trainingState(next);
    if (next == TRAINING && previous != TRAINING) {
      if (recordOwed) { // the window still open goes on, its record waiting for a slot
        windowStartMicros += clock.micros() - pausedAtMicros; // the pause is no training time
      } else {
        board.closeWindow();
        windowStartMicros = clock.micros();
      }
    } else if (previous == TRAINING) {
      pausedAtMicros = clock.micros();
      endWindow();
      board.checkpoint();
    }
    return AckMessage.OK;
  }

  private int evaluate(int maxSamples) {
    if (!board.running()) {
      return AckMessage.NO_MODEL;
    }
    if (board.sensor().heldOutCount() == 0) {
      return AckMessage.NO_DATA;
    }
    int samples = board.evaluate(maxSamples);
    int layers = board.runtime().layers();
    if (samples <= 0 || ack.result(samples, layers) != FleetStatus.OK) {
      return AckMessage.FAILED;
    }
    for (int k = 0; k < layers; k++) {
      ack.accuracy(k, (int) ((long) board.evaluatedCorrect(k) * DataMessage.Q15_ONE / samples));
    }
    return AckMessage.OK;
  }

  // ------------------------------------------------------------------ training and telemetry

  private void trainChunk() {
    int end = records.hasRoom() ? window() : MAX_HELD_WINDOW;
    int n = Math.min(trainChunk, end - board.windowSamples());
    if (epochs > 0) {
      long remaining = (long) epochs * board.sensor().trainingCount() - board.cursor();
      n = (int) Math.min(n, remaining);
    }
    if (n > 0 && board.train(n) < n) {
      reports.report(AgentEvent.TRAINING_FAILED, board.lastStatus(), 0);
      train(STOPPED); // the record says so
      return;
    }
    if (epochs > 0 && board.epoch() >= epochs) {
      reports.report(AgentEvent.EPOCHS_DONE, board.epoch(), 0);
      train(STOPPED);
      return;
    }
    if (board.windowSamples() >= end) {
      endWindow();
      if (++recordsSinceCheckpoint >= checkpointEvery) {
        recordsSinceCheckpoint = 0;
        board.checkpoint();
      }
    }
  }

  /**
   * Takes the window's DATA record into the record buffer (PROTOCOL.md section 9) and adapts the
   * window to how full the buffer is; {@link #sendRecords} sends it. While the buffer is full the
   * window stays open and the record is owed: {@link #doWork} takes it once a slot frees, with the
   * training state of then. Only a window of {@link #MAX_HELD_WINDOW} steps cannot wait: the
   * oldest record never sent is dropped for it, or this one if every record there was sent
   * (counted in {@code recordsDropped}, a hole in the boot's record numbers).
   */
  private void endWindow() {
    int samples = board.windowSamples();
    // An owed record taken while training is paused or stopped: its window ended with training.
    long end = recordOwed && trainingState != TRAINING ? pausedAtMicros : clock.micros();
    recordOwed = false;
    if (samples == 0 && trainingState == TRAINING) {
      return;
    }
    if (samples < MAX_HELD_WINDOW && !records.hasRoom()) {
      recordOwed = true;
      return;
    }
    int record = session.nextRecord();
    long elapsed = end - windowStartMicros;
    int room = records.makeRoom();
    if (room != 0) {
      recordsDropped++;
    }
    if (room >= 0) {
      takeRecord(record, samples, elapsed);
    }
    widenWindow();
    board.closeWindow();
    windowStartMicros = clock.micros();
  }

  /** Encodes the window's record {@code record} at the buffer's tail and adds it. */
  private void takeRecord(int record, int samples, long elapsed) {
    SpelaRuntime runtime = board.runtime();
    int layers = runtime.layers();
    int n = samples;
    if (n <= 0) {
      n = 1; // an empty window (training stopped): no step time, sums of 0
    }
    data.wrapForEncode(records.buffer(), records.tailOffset(), records.slotLength(), 0, session.bdSeq());
    data.record(record, trainingState, clock.millis());
    data.progress(
        runtime.samplesSeen(),
        board.epoch(),
        samples == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, elapsed / n),
        ramUsed,
        runtime.learningRate());
    data.origin(board.lifeId(), board.state().bootCount(), samples, recordsDropped, 0);
    if (data.layerCount(layers) == FleetStatus.OK) {
      for (int k = 0; k < layers; k++) {
        data.layer(
            k,
            (int) ((long) board.windowCorrect(k) * DataMessage.Q15_ONE / n),
            (int) (board.windowLossSum(k) / n),
            Math.max(0, runtime.weightNormQ16(k)));
      }
      records.add(data.encodedLength());
    }
  }

  /**
   * Training steps per record: doubled at each record while the records waiting to be sent fill
   * over half the {@linkplain #backlogRoom room left to them}, halved at each turn of the work loop
   * while they fill under a quarter (records in flight are not a backlog).
   */
  private int window() {
    return (int) Math.min(Integer.MAX_VALUE, (long) recordEvery << windowShift);
  }

  private void widenWindow() {
    if (records.unsent() * 2 > backlogRoom() && windowShift < MAX_WINDOW_SHIFT) {
      windowShift++;
    }
  }

  /**
   * The slots records waiting to be sent may fill: those in flight keep theirs until they are
   * released (a stored record waiting behind one gives its slot up when the ring is full). A
   * broker that dies without closing the connection leaves a full window in flight: measured
   * against the whole buffer, the backlog filled the rest before the window had widened once, and
   * the buffer dropped records.
   */
  private int backlogRoom() {
    return records.capacity() - records.inFlight();
  }

  /**
   * Not at a record only: a window widened 4096-fold during an outage would otherwise wait that
   * long for its next record before it could narrow (a fleet's telemetry stalled for minutes after
   * a monitor restart).
   */
  private void narrowWindow() {
    if (records.unsent() * 4 < backlogRoom() && windowShift > 0) {
      windowShift--;
    }
  }

  /**
   * Sends buffered records, oldest first, while connected with the primary online and the window
   * of records in flight (and of QoS 1 publishes) has room; a record leaves the buffer when it is
   * released (a receipt, or without receipts the broker's acknowledgement).
   *
   * @return records sent
   */
  private int sendRecords() {
    settleAcknowledgements();
    int sent = 0;
    while (connected
        && primaryOnline
        && records.hasUnsent()
        && (!primaryReceipts || records.inFlight() < maxDataInFlight) // else PUBACK bounds
        && transport.inFlight() < maxDataInFlight
        && trackedCount < TRACKED_PUBLISHES) {
      int length = records.nextUnsentLength();
      System.arraycopy(records.buffer(), records.nextUnsentOffset(), out, 0, length);
      if (data.wrap(out, 0, length) != FleetStatus.OK || data.room(out.length) != FleetStatus.OK) {
        records.markSent();
        continue; // cannot happen: the agent encoded it; not sent, acknowledged never
      }
      data.bdSeq(session.bdSeq()); // the session it is sent in; the buffer's counts as of now
      data.origin(
          data.lifeId(), data.bootCount(), data.windowSamples(), recordsDropped, records.unsent() - 1);
      if (!publish(Topic.DATA, data)) {
        break; // the connection is going: the record waits for the next one
      }
      // Sent and tracked: the acknowledgements of later publishes must not take it for another.
      if (records.inFlight() == 0) {
        receiptWaitSince = now; // the first record in flight starts the wait for receipts
      }
      records.markSent();
      sent++;
      // The transport's count drops as acknowledgements arrive during the loop: settle them before
      // the next send, or records released by the broker would still count in flight here.
      settleAcknowledgements();
    }
    return sent;
  }

  /**
   * Brokers acknowledge QoS 1 publishes in the order they were sent (MQTT 4.6), and the transport's
   * {@link Transport#inFlight} counts the current connection's unacknowledged ones: the difference
   * tells which of the tracked publishes were acknowledged.
   */
  private void settleAcknowledgements() {
    if (trackingLost) {
      return;
    }
    int acknowledged = qos1Published - transport.inFlight();
    while (acknowledgedSeen < acknowledged && trackedCount > 0) {
      if (trackedIsData[trackedHead]) {
        records.acknowledged();
      }
      trackedHead = trackedHead + 1 < TRACKED_PUBLISHES ? trackedHead + 1 : 0;
      trackedCount--;
      acknowledgedSeen++;
    }
  }

  private void trackPublish(boolean isData) {
    qos1Published++;
    if (trackedCount < TRACKED_PUBLISHES && !trackingLost) {
      int tail = trackedHead + trackedCount;
      trackedIsData[tail < TRACKED_PUBLISHES ? tail : tail - TRACKED_PUBLISHES] = isData;
      trackedCount++;
    } else {
      // So many unacknowledged publishes that the broker is stuck: sent records stay unconfirmed
      // and go again on the next connection (duplicates are harmless, section 9).
      trackingLost = true;
    }
  }

  /**
   * Records sent and not released go again, oldest first, on this connection: the acknowledgements
   * still to come for their earlier publishes release nothing.
   */
  private void sendAgain() {
    records.sendAgain();
    receiptWaitSince = now;
    for (int k = 0; k < TRACKED_PUBLISHES; k++) {
      trackedIsData[k] = false;
    }
  }

  /** A new or lost connection: records not released are sent again on the next one. */
  private void forgetPublishes() {
    sendAgain();
    trackedHead = 0;
    trackedCount = 0;
    qos1Published = 0;
    acknowledgedSeen = 0;
    trackingLost = false;
  }

  private void publishBirth() {
    lastBirthAt = now;
    birthDueAt = NONE;
    SpelaRuntime runtime = board.runtime();
    birth.wrapForEncode(out, 0, out.length, 0, session.bdSeq());
    birth
        .board(boardId)
        .runtimeVersion(RUNTIME_MAJOR, RUNTIME_MINOR)
        .capabilities(capabilities)
        .bootCount(board.state().bootCount())
        .memory(ramBudget, ramUsed, flashBudget, flashUsed)
        .imageSlot(maxBlockLog2 == 0 ? 0 : board.imageSlotBytes(), maxBlockLog2)
        .trainingState(trainingState)
        .deviceTimeMs(clock.millis())
        .lifeId(board.lifeId())
        .recordBuffer(records.capacity(), records.size());
    if (board.running()) {
      board.runningSha256(sha, 0);
      birth.image(BirthMessage.IMAGE_CONFIRMED, board.runningSlot(), board.runningLength(), sha, 0);
      birth.model(
          runtime.layers(), runtime.classes(), runtime.learningRate(), runtime.samplesSeen());
      birth.imageSecurityCounter(board.securityCounter());
    }
    if (transferUnfinished()) {
      birth.pendingTransfer(receiver.transferId(), receiver.nextOffset());
    }
    publish(Topic.BIRTH, birth);
  }

  private void publishPendingVerdict() {
    int transferId = board.pendingVerdictTransfer();
    if (transferId != 0) {
      publishVerdict(
          transferId,
          board.pendingVerdictOutcome(),
          board.pendingVerdictReason(),
          board.pendingVerdictDetail());
      board.verdictReported();
    }
  }

  private void publishVerdict(int transferId, int outcome, int reason, int detail) {
    for (int k = 0; k < sha.length; k++) {
      sha[k] = 0;
    }
    if (board.running()) {
      board.runningSha256(sha, 0);
    }
    verdict.wrapForEncode(out, 0, out.length, 0, session.bdSeq());
    verdict.verdict(transferId, outcome, reason, detail, sha, 0);
    publish(Topic.IMAGE_REPLY, verdict);
    reports.report(AgentEvent.VERDICT, outcome, reason);
  }

  // ------------------------------------------------------------------ image transfer

  private boolean transferUnfinished() {
    return receiver.transferId() != 0 && !receiver.complete();
  }

  private void onOffer(byte[] topicName, int topicLength, byte[] payload, int length) {
    if (!decode(offer, topicName, topicLength, payload, length) || !hostHeard()) {
      return;
    }
    int id = offer.transferId();
    if (board.trialPending()) {
      publishVerdict(id, VerdictMessage.REFUSED, VerdictMessage.BUSY, 0);
      return;
    }
    int previous = receiver.transferId();
    boolean unfinished = transferUnfinished();
    int decision = receiver.offer(offer); // slot, block size and length first (PROTOCOL.md order)
    if (decision != ImageReceiver.REFUSE && board.running()) {
      board.runningSha256(sha, 0);
      if (offer.sha256Equals(sha, 0)) {
        board.restoreTransfer(receiver); // nothing to send: keep any unfinished transfer
        publishVerdict(id, VerdictMessage.CONFIRMED, VerdictMessage.ALREADY_RUNNING, 0);
        return;
      }
    }
    if (decision == ImageReceiver.REFUSE) {
      publishVerdict(id, VerdictMessage.REFUSED, receiver.refusal(), 0);
    } else if (authentication.secured()
        && Board.below(offer.securityCounter(), board.securityCounter())) {
      board.restoreTransfer(receiver); // refused before any block moves; keep an unfinished one
      publishVerdict(id, VerdictMessage.REFUSED, VerdictMessage.DOWNGRADE, 0);
    } else if (decision == ImageReceiver.RESUME) {
      reports.report(AgentEvent.TRANSFER_RESUMED, id, receiver.nextOffset());
      startRequests();
    } else {
      if (unfinished && previous != id) {
        publishVerdict(previous, VerdictMessage.REFUSED, VerdictMessage.SUPERSEDED, 0);
      }
      if (board.beginTransfer(receiver) != FlashStatus.OK) {
        board.abandonTransfer();
        receiver.clear();
        publishVerdict(id, VerdictMessage.REFUSED, VerdictMessage.WRITE_FAILED, 0);
        return;
      }
      reports.report(AgentEvent.RECEIVING, id, receiver.imageLength());
      startRequests();
    }
  }

  private void startRequests() {
    blockRetries = 0;
    requestBlocks();
  }

  private void requestBlocks() {
    blockRequest.wrapForEncode(out, 0, out.length, 0, session.bdSeq());
    if (receiver.request(blockRequest, blocksPerRequest) != FleetStatus.OK) {
      return;
    }
    requestWindowEnd =
        blockRequest.imageOffset() + blockRequest.blockCount() * receiver.blockLength();
    lastBlockAt = now;
    publish(Topic.IMAGE_REPLY, blockRequest);
  }

  private void onBlock(byte[] topicName, int topicLength, byte[] payload, int length) {
    if (!decode(block, topicName, topicLength, payload, length)) {
      return;
    }
    int status = receiver.accept(block);
    if (status != FleetStatus.OK) {
      drop(status);
      if (status == FleetStatus.BAD_CRC || status == FleetStatus.BAD_FIELD) {
        requestBlocks();
      }
      return;
    }
    if (board.writeBlock(
            block.imageOffset(), block.buffer(), block.dataOffset(), block.dataLength())
        != FlashStatus.OK) {
      int id = receiver.transferId();
      receiver.clear();
      board.abandonTransfer();
      publishVerdict(id, VerdictMessage.REFUSED, VerdictMessage.WRITE_FAILED, 0);
      return;
    }
    lastBlockAt = now;
    blockRetries = 0;
    if (receiver.complete()) {
      finishTransfer();
    } else if (receiver.nextOffset() >= requestWindowEnd) {
      requestBlocks();
    }
  }

  private void finishTransfer() {
    int id = receiver.transferId();
    int reason = board.install(receiver, authentication);
    receiver.clear();
    if (reason != VerdictMessage.NONE) {
      reports.report(AgentEvent.IMAGE_REFUSED, reason, board.lastStatus());
      publishVerdict(id, VerdictMessage.REFUSED, reason, board.lastStatus());
      return;
    }
    reboot(); // trial boot; the VERDICT follows the next BIRTH
  }

  // ------------------------------------------------------------------ publishing

  /**
   * Publishes the message just encoded on this device's topic of {@code kind}, with its {@code seq}
   * and, in a secured fleet, sealed with the session's next counter.
   */
  private boolean publish(int kind, Message message) {
    if (!connected) {
      return false;
    }
    int type = message.type();
    message.seq(
        type == FleetProtocol.BIRTH
            ? session.birthSeq()
            : type == FleetProtocol.DEATH ? 0 : session.nextSeq());
    int topicLength = Topic.write(topicBytes, 0, kind, group, deviceId);
    if (authentication.seal(topicBytes, topicLength, message) != FleetStatus.OK) {
      return false; // cannot happen: every buffer has room for its trailer
    }
    int qos = FleetProtocol.qos(type);
    if (transport.publish(
            topicBytes, topicLength, message.buffer(), message.offset(), message.encodedLength(), qos)
        != 0) {
      return false;
    }
    if (qos > 0) {
      trackPublish(kind == Topic.DATA && !primaryReceipts); // with receipts, PUBACK releases none
    }
    return true;
  }
}
