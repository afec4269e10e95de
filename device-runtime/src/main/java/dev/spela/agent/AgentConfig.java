package dev.spela.agent;

import dev.spela.protocols.crypto.Ed25519Verifier;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.MessageAuthenticator;
import dev.spela.protocols.fleet.Name;
import dev.spela.runtime.MemoryPlan;

/**
 * How a device agent is set up: its identity, its host, the board's figures it reports in BIRTH,
 * the capacity its runtime's arena is allocated for, and the rhythm of telemetry and checkpoints.
 * Filled once before the agent is built (setters return this); the agent copies what it keeps.
 */
public final class AgentConfig {

  final Name deviceId = new Name();
  final Name group = new Name();
  final Name hostId = new Name();
  final Name boardId = new Name();
  final MemoryPlan capacity = new MemoryPlan();
  int ramBudget;
  int ramUsed;
  int flashBudget;
  int flashUsed;
  int maxBlockLog2 = FleetProtocol.MAX_BLOCK_LOG2;
  boolean wallClock = true;
  int recordEvery = 500;
  int checkpointEvery = 4;
  int epochs;
  int blocksPerRequest = 4;
  long blockRetryMillis = 5_000;
  int maxBlockRetries = 10;
  int maxDataInFlight = 32;
  int trainChunk = 32;
  long maxReconnectMillis = 5_000;
  long newLifeId;
  /** Records the device's telemetry buffer holds unless configured otherwise. */
  public static final int DEFAULT_RECORD_BUFFER = 64;

  int recordBuffer = DEFAULT_RECORD_BUFFER;
  final byte[] deviceKey = new byte[MessageAuthenticator.KEY_LENGTH];
  final byte[] hostPublicKey = new byte[Ed25519Verifier.PUBLIC_KEY_LENGTH];
  boolean secured;
  long checkpointIntervalMillis = 30_000;
  long evaluateIntervalMillis = 5_000;
  int commandBurst = 10;

  /** Device id and group (the topics it uses) and the host id whose STATE it waits for. */
  public AgentConfig identity(Name deviceId, Name group, Name hostId) {
    this.deviceId.set(deviceId);
    this.group.set(group);
    this.hostId.set(hostId);
    return this;
  }

  /**
   * The keys provisioning gave the device (PROTOCOL.md section 5): its device key and the fleet's
   * host key (Ed25519 public key). With them the agent seals everything it publishes and acts only
   * on host messages it can authenticate; without them (a fleet run with {@code --insecure}) it
   * does neither.
   */
  public AgentConfig keys(byte[] deviceKey, byte[] hostPublicKey) {
    return keys(deviceKey, 0, hostPublicKey, 0);
  }

  /** As {@link #keys(byte[], byte[])}, each key read at its offset (say from a settings page). */
  public AgentConfig keys(byte[] deviceKey, int deviceKeyOffset, byte[] hostPublicKey, int hostKeyOffset) {
    System.arraycopy(deviceKey, deviceKeyOffset, this.deviceKey, 0, this.deviceKey.length);
    System.arraycopy(hostPublicKey, hostKeyOffset, this.hostPublicKey, 0, this.hostPublicKey.length);
    secured = true;
    return this;
  }

  /**
   * A fresh life id (PROTOCOL.md section 2), drawn from a true random source at every start: the
   * device takes it only when its persistent state has to be created (a new, wiped or unreadable
   * state), and keeps the persisted one otherwise. Non-zero.
   */
  public AgentConfig newLifeId(long lifeId) {
    this.newLifeId = lifeId;
    return this;
  }

  /** The board profile's name, as BIRTH reports it. */
  public AgentConfig board(Name boardId) {
    this.boardId.set(boardId);
    return this;
  }

  /**
   * The largest model this device runs: its runtime's arena is allocated for it once, and a model
   * that does not fit in it is refused ({@code DOES_NOT_FIT}).
   */
  public AgentConfig capacity(MemoryPlan capacity) {
    this.capacity.copyFrom(capacity);
    return this;
  }

  /** RAM and flash SPELA may use and uses, in bytes, as BIRTH and DATA report them. */
  public AgentConfig memory(int ramBudget, int ramUsed, int flashBudget, int flashUsed) {
    this.ramBudget = ramBudget;
    this.ramUsed = ramUsed;
    this.flashBudget = flashBudget;
    this.flashUsed = flashUsed;
    return this;
  }

  /** log2 of the largest image block the device buffers, 10 .. 12. */
  public AgentConfig maxBlockLog2(int log2) {
    maxBlockLog2 = log2;
    return this;
  }

  /** Whether {@link Clock#millis} is wall-clock time (BIRTH capability HAS_WALL_CLOCK). */
  public AgentConfig wallClock(boolean wallClock) {
    this.wallClock = wallClock;
    return this;
  }

  /**
   * Training samples per DATA record, DATA records per checkpoint, and passes over the sensor's
   * training samples after which training stops by itself (0: never).
   */
  public AgentConfig telemetry(int recordEvery, int checkpointEvery, int epochs) {
    this.recordEvery = recordEvery;
    this.checkpointEvery = checkpointEvery;
    this.epochs = epochs;
    return this;
  }

  /**
   * DATA records the device keeps while it cannot send them (PROTOCOL.md section 9, "Store and
   * forward"), at least 1; each takes a slot of the longest DATA message of its capacity.
   */
  public AgentConfig recordBuffer(int records) {
    recordBuffer = records;
    return this;
  }

  /**
   * Rate limits of the commands that wear the flash or take the processor (PROTOCOL.md section 8):
   * {@code burst} CHECKPOINTs and EVALUATEs at once, then one per interval each; more are answered
   * {@code RATE_LIMITED}. Reference: 10 at once, then one CHECKPOINT per 30 s and one EVALUATE per
   * 5 s.
   */
  public AgentConfig commandLimits(long checkpointIntervalMillis, long evaluateIntervalMillis, int burst) {
    this.checkpointIntervalMillis = checkpointIntervalMillis;
    this.evaluateIntervalMillis = evaluateIntervalMillis;
    this.commandBurst = burst;
    return this;
  }

  /**
   * How long the device waits for an image block before asking again, and how many times (the
   * protocol's reference: 5 s, 10).
   */
  public AgentConfig blockRetry(long millis, int maxRetries) {
    blockRetryMillis = millis;
    maxBlockRetries = maxRetries;
    return this;
  }
}
