package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.device.BoardLimits;
import dev.spela.boards.device.VirtualDevice;
import dev.spela.data.Dataset;
import dev.spela.fleet.FleetData;
import dev.spela.fleet.FleetDemo;
import dev.spela.fleet.FleetHost;
import dev.spela.fleet.FleetMonitor;
import dev.spela.fleet.HostConnection;
import dev.spela.fleet.LiveFleet;
import dev.spela.fleet.ModelCatalogue;
import dev.spela.fleet.TelemetryReader;
import dev.spela.fleet.TelemetryRecord;
import dev.spela.fleet.TelemetryStore;
import dev.spela.protocols.fleet.CommandMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Receipts end to end (issue 8, PROTOCOL.md section 9): virtual devices keep each record until the
 * monitor has stored it. A monitor that stops storing (its connection's worker held, as a paused
 * process) makes every device stop at 32 records in flight, the rest waiting on the device with a
 * wider window; once it resumes, every record is stored exactly once. A monitor whose broker
 * session is lost to the devices (a new monitor with another client id takes over) still ends
 * with every record, because the devices send what was not receipted again to the new session.
 * Without receipts ({@code --no-receipts}) the broker's acknowledgement releases records.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ReceiptScenarios {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int DEVICES = 3;
  private static final int IN_FLIGHT = 32;
  private static final int RECORD_EVERY = 20;
  /**
   * Without receipts nothing slows the devices down: the broker queues all they make while the
   * monitor stands still, and the monitor stores it all before the check (at 20 steps a record the
   * embedded broker's run took 2 minutes on a busy machine).
   */
  private static final int RECORD_EVERY_WITHOUT_RECEIPTS = 400;
  private static final int[] SMALL_MODEL = {784, 32, 16};
  private static final String HOST = "receipts-host";

  private TestBroker broker;

  abstract TestBroker broker(Path dir) throws Exception;

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    broker = broker(dir);
  }

  @AfterAll
  void tearDown() {
    if (broker != null) {
      broker.close();
    }
  }

  /**
   * Holds the connection's worker thread while closed, before the monitor sees a record: nothing
   * is stored, acknowledged or receipted, as in a stopped monitor process.
   */
  private static final class Gate implements FleetHost.Listener {
    private volatile CountDownLatch open = new CountDownLatch(0);

    void close() {
      open = new CountDownLatch(1);
    }

    void open() {
      open.countDown();
    }

    @Override
    public void onTelemetry(TelemetryRecord record) {
      try {
        open.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private FleetHost monitorHost(String clientId, FleetHost.Listener... listeners) throws Exception {
    HostConnection.Session session = HostConnection.Session.persistent(clientId, 600, FleetMonitor.RECEIVE_MAXIMUM);
    return FleetHost.open(broker.url(), HOST, FleetHost.Options.primary(true, null).withSession(session), listeners);
  }

  private void startTraining(FleetHost host, Path dir, String prefix, List<VirtualDevice> devices)
      throws Exception {
    startTraining(host, dir, prefix, RECORD_EVERY, devices);
  }

  /**
   * Starts the devices (added to {@code devices}, a record every {@code recordEvery} steps), then
   * their training, until records flow.
   */
  private void startTraining(FleetHost host, Path dir, String prefix, int recordEvery, List<VirtualDevice> devices)
      throws Exception {
    devices.addAll(startDevices(dir, prefix, recordEvery));
    for (VirtualDevice device : devices) {
      host.awaitDevice(device.id(), d -> true, WAIT).orElseThrow();
    }
    command(host, devices, CommandMessage.START);
    awaitAll(devices, d -> d.recordsSent() >= 5, "records flow");
  }

  private List<VirtualDevice> startDevices(Path dir, String prefix, int recordEvery) throws Exception {
    Dataset mnist = Dataset.read("mnist", FleetScenarios.sharedMnist());
    BoardLimits limits = new BoardLimits(BoardCatalogue.standard().byId("nrf52840"));
    byte[] image = FleetDemo.untrainedImage(SMALL_MODEL, 10, 0.01, 3);
    List<VirtualDevice> devices = new ArrayList<>();
    for (int k = 0; k < DEVICES; k++) {
      String id = prefix + "-" + k;
      VirtualDevice.program(dir, id, limits, image);
      devices.add(VirtualDevice.start(new VirtualDevice.Config(id, "lab", HOST, broker.url(), dir, limits,
          FleetData.shard(mnist, k, DEVICES, 600, 10), recordEvery, 100_000, 0)));
    }
    return devices;
  }

  private static void awaitAll(List<VirtualDevice> devices, Predicate<VirtualDevice> condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (VirtualDevice device : devices) {
      while (!condition.test(device)) {
        assertTrue(System.nanoTime() < deadline, device.id() + ": " + what);
        TimeUnit.MILLISECONDS.sleep(20); // polls the device's counters; no ordering depends on it
      }
    }
  }

  private static void command(FleetHost host, List<VirtualDevice> devices, int code) throws Exception {
    for (VirtualDevice device : devices) {
      assertTrue(host.command(device.id(), code, 0, WAIT).ok(), device.id());
    }
  }

  /** Stops training, waits until every device's buffer is empty and the store has it all. */
  private static void drainAndCheck(FleetHost host, FleetMonitor monitor, List<VirtualDevice> devices,
      TelemetryStore store) throws Exception {
    command(host, devices, CommandMessage.STOP);
    awaitAll(devices, d -> d.bufferedRecords() == 0, "every record released (stored)");
    assertTrue(monitor.flush(WAIT.toMillis()));
    try (TelemetryReader reader = store.reader()) {
      List<TelemetryReader.SessionCount> boots = reader.sessions();
      assertEquals(DEVICES, boots.size(), "one boot a device: " + boots);
      long records = 0;
      for (TelemetryReader.SessionCount boot : boots) {
        assertEquals(0, boot.missing(), "every record stored: " + boot);
        records += boot.records();
      }
      assertEquals(records, reader.records().size(), "each once");
    }
    for (VirtualDevice device : devices) {
      assertEquals(0, device.recordsDropped(), device.id());
      assertTrue(device.mostRecordsInFlight() <= IN_FLIGHT, device.id() + ": " + device.mostRecordsInFlight());
    }
  }

  /** A monitor's parts and its devices, for one scenario. */
  private record Run(TelemetryStore store, FleetMonitor monitor, FleetHost host, Gate gate, List<VirtualDevice> devices) {}

  private interface Scenario {
    void run(Run run) throws Exception;
  }

  /**
   * Runs {@code scenario} with a monitor named {@code name} (its store, a persistent session of that
   * client id, and a {@link Gate} before it) that sends receipts if {@code receipts}; opens the gate
   * and closes the devices the scenario started, whatever happens.
   */
  private void withMonitor(Path dir, String name, boolean receipts, Scenario scenario) throws Exception {
    Path runDir = Files.createDirectories(dir.resolve("run"));
    Gate gate = new Gate();
    List<VirtualDevice> devices = new ArrayList<>();
    try (TelemetryStore store = TelemetryStore.open(TelemetryStore.sqliteUrl(runDir));
        FleetMonitor monitor = new FleetMonitor(store, new LiveFleet(name, store.url(),
            new ModelCatalogue(List.of())), false, receipts);
        FleetHost host = monitorHost(name, gate, monitor)) {
      try {
        scenario.run(new Run(store, monitor, host, gate, devices));
      } finally {
        gate.open();
        devices.forEach(VirtualDevice::close);
      }
    }
  }

  @Test
  void aPausedMonitorStopsTheDevicesAt32RecordsInFlightAndGetsEveryRecordOnceItResumes(@TempDir Path dir)
      throws Exception {
    withMonitor(dir, "receipts-paused", true, run -> {
      startTraining(run.host(), dir, "vd-paused", run.devices());
      run.gate().close();
      // Over 16 records waiting (half the places the 32 in flight leave) widen the window.
      awaitAll(run.devices(), d -> d.mostRecordsInFlight() == IN_FLIGHT && d.bufferedRecords() > IN_FLIGHT + 17,
          "32 records in flight, the next ones waiting on the device");
      for (VirtualDevice device : run.devices()) {
        assertTrue(device.widestWindow() > RECORD_EVERY, device.id() + ": a wider window while records wait");
      }
      run.gate().open();
      drainAndCheck(run.host(), run.monitor(), run.devices(), run.store());
    });
  }

  @Test
  void aMonitorWhoseSessionIsLostToTheDevicesEndsWithEveryRecordThroughTheirResend(@TempDir Path dir)
      throws Exception {
    withMonitor(dir, "receipts-lost", true, run -> {
      startTraining(run.host(), dir, "vd-resent", run.devices());
      run.gate().close(); // what the broker queues for this session from now on is never stored
      awaitAll(run.devices(), d -> d.mostRecordsInFlight() == IN_FLIGHT, "32 records in flight to the lost session");
      try (FleetMonitor second = new FleetMonitor(run.store(), new LiveFleet("receipts-new", run.store().url(),
              new ModelCatalogue(List.of())), false);
          FleetHost next = monitorHost("receipts-new", second)) {
        for (VirtualDevice device : run.devices()) {
          next.awaitDevice(device.id(), d -> true, WAIT).orElseThrow(); // its BIRTH to the new primary
        }
        drainAndCheck(next, second, run.devices(), run.store());
      }
    });
  }

  /**
   * {@code spela monitor --no-receipts} (for devices built before receipts): its STATE does not
   * announce them, so the broker's acknowledgement releases a record. With the monitor stopped the
   * devices go on sending past 32 records (the broker queues them for its persistent session)
   * instead of waiting, and once it resumes every record is stored once.
   */
  @Test
  void withoutReceiptsTheBrokersAcknowledgementReleasesAndEveryRecordIsStored(@TempDir Path dir)
      throws Exception {
    withMonitor(dir, "no-receipts", false, run -> {
      startTraining(run.host(), dir, "vd-acked", RECORD_EVERY_WITHOUT_RECEIPTS, run.devices());
      run.gate().close();
      for (VirtualDevice device : run.devices()) {
        long from = device.recordsSent();
        awaitAll(List.of(device), d -> d.recordsSent() > from + 2 * IN_FLIGHT,
            "records flow past 32 while the monitor stores nothing");
      }
      run.gate().open();
      drainAndCheck(run.host(), run.monitor(), run.devices(), run.store());
    });
  }
}
