package dev.spela.fleet;

import dev.spela.protocols.fleet.CommandMessage;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * Collects a fleet's telemetry into a {@link TelemetryStore} and keeps the {@link LiveFleet}
 * picture up to date. Every record goes through a {@link TelemetryWriter}: its MQTT delivery is
 * held until the batch that holds it is committed, so the broker redelivers anything this process
 * did not store (after a crash, with a persistent session). Device sessions (from BIRTH) and
 * held-out evaluations (EVALUATE acknowledgements) are stored as they arrive. After each commit, the
 * devices get a RECEIPT for every record of it (PROTOCOL.md section 9), so that they keep a record
 * until it is stored, and slow down when this process falls behind. Once a second, the
 * records missing from each session are counted in the database: the loss by record counter, which
 * holds across collectors sharing the store.
 */
public final class FleetMonitor implements FleetHost.Listener, AutoCloseable {

  /**
   * QoS 1 records the broker may send a monitor before it acknowledges one: room for the batches
   * in commit while the next ones arrive.
   */
  public static final int RECEIVE_MAXIMUM = 1_024;

  private static final long LOSS_CHECK_MS = 1_000;

  private final TelemetryStore store;
  private final LiveFleet fleet;
  private final boolean sharedTelemetry;
  private final boolean receipts;
  /** The host whose connection carries the receipts (set before its first message). */
  private volatile FleetHost host;
  private final TelemetryWriter writer;
  private final TelemetryReader reader;
  private final ScheduledExecutorService ticker;

  /**
   * @param sharedTelemetry true when DATA comes through a shared subscription: this collector sees
   *     only part of each device's messages, so sequence gaps are not raised as alerts
   */
  public FleetMonitor(TelemetryStore store, LiveFleet fleet, boolean sharedTelemetry) throws IOException {
    this(store, fleet, sharedTelemetry, true);
  }

  /**
   * @param receipts false: send no receipts and do not announce them (devices then release a
   *     record when the broker has it, as devices built before receipts expect)
   */
  public FleetMonitor(TelemetryStore store, LiveFleet fleet, boolean sharedTelemetry, boolean receipts)
      throws IOException {
    this.store = store;
    this.fleet = fleet;
    this.sharedTelemetry = sharedTelemetry;
    this.receipts = receipts;
    this.reader = store.reader();
    this.writer = new TelemetryWriter(store, this::committed);
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "monitor-losses");
      thread.setDaemon(true);
      return thread;
    });
    ticker.scheduleWithFixedDelay(this::countLosses, LOSS_CHECK_MS, LOSS_CHECK_MS, TimeUnit.MILLISECONDS);
  }

  private void committed(List<TelemetryRecord> committed, List<TelemetryRecord> fresh) {
    fleet.stored(fresh, fresh.size());
    FleetHost receiptsHost = host;
    if (receipts && receiptsHost != null) {
      receiptsHost.sendReceipts(committed);
    }
  }

  @Override
  public boolean sendsReceipts() {
    return receipts;
  }

  @Override
  public void attached(FleetHost host) {
    this.host = host;
  }

  public TelemetryStore store() {
    return store;
  }

  public LiveFleet fleet() {
    return fleet;
  }

  @Override
  public void onBirth(DeviceView device) {
    fleet.birth(device);
    try {
      store.storeSession(device);
    } catch (IOException e) {
      Logger.warn(e.getMessage());
    }
  }

  @Override
  public void onDeath(DeviceView device, int reason) {
    fleet.death(device, reason);
  }

  @Override
  public void onTelemetry(TelemetryRecord record, HostConnection.Delivery delivery) {
    fleet.received(record);
    writer.submit(record, delivery.hold());
  }

  @Override
  public void onAck(FleetHost.Ack ack) {
    if (ack.code() != CommandMessage.EVALUATE || !ack.ok() || ack.accuracyQ15().length == 0) {
      return;
    }
    Evaluation evaluation = new Evaluation(ack.device(), fleet.session(ack.device()), ack.commandId(),
        fleet.samplesSeen(ack.device()), ack.evaluatedSamples(), ack.accuracyQ15(), System.currentTimeMillis());
    try {
      store.storeEvaluation(evaluation);
    } catch (IOException e) {
      Logger.warn(e.getMessage());
    }
    fleet.evaluated(evaluation);
  }

  @Override
  public void onSequenceGap(String device, long bdSeq, int missing) {
    if (!sharedTelemetry) {
      fleet.gap(device, bdSeq, missing);
    }
  }

  @Override
  public void onBlockRequest(String device, long transferId, long offset, long imageLength) {
    fleet.blockRequest(device, transferId, offset, imageLength);
  }

  @Override
  public void onVerdict(String device, FleetHost.Verdict verdict) {
    fleet.verdict(device, verdict);
  }

  private void countLosses() {
    try {
      fleet.missing(reader.missingByDevice());
    } catch (IOException | RuntimeException e) {
      Logger.debug("counting lost records: {}", e.getMessage());
    }
  }

  /**
   * Waits until every record received so far is stored and acknowledged, then counts the losses.
   *
   * @return false if the store did not keep up within {@code timeoutMs}
   */
  public boolean flush(long timeoutMs) throws InterruptedException {
    boolean done = writer.flush(timeoutMs);
    countLosses();
    return done;
  }

  /** Stores what is queued and stops; the store stays open (its owner closes it). */
  @Override
  public void close() {
    writer.close();
    ticker.shutdownNow();
    try {
      ticker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    countLosses();
    reader.close();
  }
}
