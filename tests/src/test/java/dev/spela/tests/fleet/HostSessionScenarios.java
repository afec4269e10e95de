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
import dev.spela.fleet.security.MessageKeys;
import dev.spela.fleet.LiveFleet;
import dev.spela.fleet.ModelCatalogue;
import dev.spela.fleet.TelemetryReader;
import dev.spela.fleet.TelemetryRecord;
import dev.spela.fleet.TelemetryStore;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.HostStateMessage;
import dev.spela.fleet.security.FleetSecurity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions that cannot go stale (issue 8 item 1, PROTOCOL.md section 7): a training device keeps
 * sending telemetry to its monitor (the primary host) whatever short commands (secondary hosts)
 * run before, between and after broker restarts and monitor restarts, and a primary whose clock
 * is behind the session on its STATE topic takes a newer one; and a monitor with a persistent
 * session stores every record through monitor and broker restarts. Every step waits for more
 * records in the monitor's store; none sleeps. The brokers are secured as spela sets them up by
 * default (TLS, accounts, and what they keep on disk).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HostSessionScenarios {

  static final Duration WAIT = Duration.ofSeconds(60);
  static final int[] SMALL_MODEL = {784, 32, 16};
  /** Records a step waits for: enough to show that telemetry flows, few enough to be quick. */
  static final int MORE = 5;

  private Dataset mnist;
  private TestBroker broker;

  /** Starts the broker, secured by {@code fleet} as the fleet commands set it up by default. */
  abstract TestBroker broker(FleetSecurity fleet, Path dir) throws Exception;

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    mnist = Dataset.read("mnist", FleetScenarios.sharedMnist());
    broker = broker(FleetSecurity.open(dir.resolve("fleet")), dir);
  }

  @AfterAll
  void tearDown() {
    if (broker != null) {
      broker.close();
    }
  }

  /** The monitor of these tests: a primary host that stores telemetry. */
  private final class Monitor implements AutoCloseable {
    final TelemetryStore store;
    final FleetMonitor monitor;
    final FleetHost.Options options;
    FleetHost host;

    Monitor(Path run, String hostId) throws Exception {
      this(run, hostId, FleetHost.Options.primary(true, null));
    }

    Monitor(Path run, String hostId, FleetHost.Options options) throws Exception {
      Files.createDirectories(run);
      this.options = options;
      store = TelemetryStore.open(TelemetryStore.sqliteUrl(run));
      monitor = new FleetMonitor(store, new LiveFleet("sessions", store.url(), new ModelCatalogue(List.of())), false);
      host = open(hostId, options, monitor);
    }

    /** Waits until {@link #MORE} more records than now are stored. */
    void awaitMoreRecords(String step) throws InterruptedException {
      awaitMoreRecords(step, MORE);
    }

    void awaitMoreRecords(String step, int more) throws InterruptedException {
      long target = store.stored() + more;
      assertTrue(host.await(h -> store.stored() >= target, WAIT),
          step + ": telemetry stopped at " + store.stored() + " records stored (waited for " + target + ")");
    }

    /** A monitor restart: the same store, a new primary host program. */
    void restart(String hostId) throws Exception {
      host.close();
      host = open(hostId, options, monitor);
    }

    @Override
    public void close() {
      if (host != null) {
        host.close();
      }
      monitor.close();
      store.close();
    }
  }

  /** A host program on the broker, logged in as the fleet's host. */
  private FleetHost open(String hostId, FleetHost.Options options, FleetHost.Listener... listeners)
      throws IOException {
    return FleetHost.open(broker.hostUrl(), hostId, options, broker.hostLogin(), listeners);
  }

  private VirtualDevice trainingDevice(Path dir, String id, String hostId) throws Exception {
    BoardLimits limits = new BoardLimits(BoardCatalogue.standard().byId("nrf52840"));
    VirtualDevice.program(dir, id, limits, FleetDemo.untrainedImage(SMALL_MODEL, 10, 0.01, 5));
    VirtualDevice.Config config = new VirtualDevice.Config(id, "lab", hostId, broker.url(), dir, limits,
        FleetData.shard(mnist, 0, 16, 600, 10), 50, 1_000, 0);
    return VirtualDevice.start(config.secured(broker.enrol(id, "lab", dir)));
  }

  /** A short command ({@code spela devices}, {@code fleet}): a secondary host that sees the device. */
  private void shortCommand(String hostId, String deviceId, int command) throws Exception {
    try (FleetHost secondary = open(hostId, FleetHost.Options.secondary())) {
      assertTrue(secondary.awaitDevice(deviceId, d -> true, WAIT).isPresent(), "the device answers a short command");
      if (command != 0) {
        assertTrue(secondary.command(deviceId, command, 0, WAIT).ok());
      }
    }
  }

  @Test
  void telemetryKeepsFlowingThroughShortCommandsBrokerRestartsAndMonitorRestarts(@TempDir Path dir)
      throws Exception {
    String hostId = "host-sessions";
    String id = "vd-sessions";
    try (VirtualDevice device = trainingDevice(dir, id, hostId)) {
      // A short command before any monitor starts the training.
      shortCommand(hostId, id, CommandMessage.START);
      try (Monitor monitor = new Monitor(dir.resolve("run"), hostId)) {
        monitor.awaitMoreRecords("monitor started after a short command");
        shortCommand(hostId, id, 0);
        monitor.awaitMoreRecords("a short command while the monitor runs");
        broker.restart();
        monitor.awaitMoreRecords("monitor, short command, broker restart (issue 8 item 1)");
        shortCommand(hostId, id, 0);
        monitor.awaitMoreRecords("a short command after the broker restart");
        broker.restart();
        shortCommand(hostId, id, 0);
        monitor.awaitMoreRecords("a broker restart, then a short command");
        monitor.restart(hostId);
        monitor.awaitMoreRecords("a monitor restart");
        shortCommand(hostId, id, CommandMessage.PAUSE);
        shortCommand(hostId, id, CommandMessage.RESUME);
        monitor.awaitMoreRecords("commands from short programs");
        // (A record whose acknowledgement a broker restart lost is sent again: the store ignores the copy.)
      }
    }
  }

  @Test
  void recordsTakenWhileTheMonitorRestartsWaitOnTheDeviceAndNoneIsLost(@TempDir Path dir) throws Exception {
    String hostId = "host-buffer";
    try (Monitor monitor = new Monitor(dir.resolve("run"), hostId, persistentSession("buffer-monitor"));
        VirtualDevice device = startTraining(monitor, dir, "vd-buffer", hostId)) {
      for (int restart = 0; restart < 3; restart++) {
        monitor.restart(hostId); // STATE offline: the device keeps its records until the primary is back
        monitor.awaitMoreRecords("after monitor restart " + (restart + 1));
      }
      assertEveryRecordStored(monitor, "vd-buffer");
    }
  }

  /**
   * Issue 8's broker restart: the broker keeps the monitor's session and what it queued on disk
   * (spela broker's broker-data, the persistence of spela mosquitto-config), and records the broker
   * had not acknowledged stay on the device and go again: none is lost.
   */
  @Test
  void recordsTakenWhileTheBrokerRestartsAreAllStored(@TempDir Path dir) throws Exception {
    String hostId = "host-restarts";
    String id = "vd-restarts";
    try (Monitor monitor = new Monitor(dir.resolve("run"), hostId, persistentSession("restarts-monitor"));
        VirtualDevice device = startTraining(monitor, dir, id, hostId)) {
      for (int restart = 0; restart < 2; restart++) {
        long before = monitor.host.device(id).orElseThrow().bdSeq();
        broker.restart();
        // What the broker kept for the monitor arrives first, so more records alone do not show
        // that the device is back: it is once it is online in a session after the restart.
        assertTrue(monitor.host.awaitDevice(id, d -> d.bdSeq() > before, WAIT).isPresent(),
            "the device is back after broker restart " + (restart + 1));
        monitor.awaitMoreRecords("after broker restart " + (restart + 1));
      }
      assertEveryRecordStored(monitor, id);
    }
  }

  private static FleetHost.Options persistentSession(String clientId) {
    return FleetHost.Options.primary(true, null)
        .withSession(HostConnection.Session.persistent(clientId, 600, FleetMonitor.RECEIVE_MAXIMUM));
  }

  /** A device that trains and reports to {@code monitor}, started by it. */
  private VirtualDevice startTraining(Monitor monitor, Path dir, String id, String hostId) throws Exception {
    VirtualDevice device = trainingDevice(dir, id, hostId);
    assertTrue(monitor.host.awaitDevice(id, d -> true, WAIT).isPresent());
    assertTrue(monitor.host.command(id, CommandMessage.START, 0, WAIT).ok());
    monitor.awaitMoreRecords("training");
    return device;
  }

  /** Stops the device: its records of this boot, up to the stop's, are all in the store. */
  private void assertEveryRecordStored(Monitor monitor, String id) throws Exception {
    assertTrue(monitor.host.command(id, CommandMessage.STOP, 0, WAIT).ok());
    // The record of the stop is the device's last; the buffer sends oldest first.
    assertTrue(monitor.host.await(h -> {
      TelemetryRecord latest = monitor.monitor.fleet().latest(id);
      return latest != null && latest.trainingState() == 0;
    }, WAIT), "the record of the stop arrives");
    assertTrue(monitor.monitor.flush(WAIT.toMillis()));
    long last = monitor.store.stored();
    try (TelemetryReader reader = monitor.store.reader()) {
      List<TelemetryReader.SessionCount> boots = reader.sessions();
      assertEquals(1, boots.size(), boots.toString());
      assertEquals(0, boots.get(0).missing(), "no record lost: " + boots.get(0));
      assertEquals(last, boots.get(0).records());
    }
  }

  @Test
  void aShortCommandFlashesADeviceThroughItsTrialRebootWithNoMonitorRunning(@TempDir Path dir) throws Exception {
    String hostId = "host-flash";
    String id = "vd-flash";
    try (VirtualDevice device = trainingDevice(dir, id, hostId);
        FleetHost flash = open(hostId, FleetHost.Options.secondary())) {
      assertTrue(flash.awaitDevice(id, d -> true, WAIT).isPresent());
      // The device reboots into the image on trial; it hears the secondary's STATE again (not
      // retained: the host repeats it while the device is away) and reports its VERDICT.
      FleetHost.Verdict verdict =
          flash.offer(id, FleetDemo.untrainedImage(SMALL_MODEL, 10, 0.01, 6), 12, null).await(WAIT);
      assertTrue(verdict.confirmed(), verdict.describe());
    }
  }

  /**
   * Two primaries of one host id (as two {@code spela monitor --shared} collectors are): the devices
   * follow the newer; when it leaves, its STATE offline must not silence them while the older runs
   * (PROTOCOL.md section 7, primary step 6).
   */
  @Test
  void whenANewerPrimaryLeavesTheOlderTakesTheDevicesBack(@TempDir Path dir) throws Exception {
    String hostId = "host-two";
    try (Monitor older = new Monitor(dir.resolve("run"), hostId);
        VirtualDevice device = startTraining(older, dir, "vd-two", hostId)) {
      long newerSession;
      try (FleetHost newer = open(hostId, FleetHost.Options.primary(false, null))) {
        newerSession = newer.session();
        assertTrue(newerSession > older.host.session());
        older.awaitMoreRecords("a newer primary of the same host id runs");
      } // leaves: STATE offline with its session, which the device follows
      long sentWhenItLeft = device.recordsSent();
      assertTrue(older.host.await(h -> device.recordsSent() >= sentWhenItLeft + 4 * MORE, WAIT),
          "the device sends again after the newer primary left (" + device.recordsSent() + " sent)");
      older.awaitMoreRecords("the newer primary left");
      assertTrue(older.host.session() > newerSession,
          "session " + older.host.session() + " after the one that left, " + newerSession);
    }
  }

  @Test
  void aPrimaryBehindTheSessionOnItsTopicTakesANewerOne(@TempDir Path dir) throws Exception {
    String hostId = "host-ahead";
    String id = "vd-ahead";
    // A primary that ran on a clock an hour ahead left its retained STATE online.
    long ahead = System.currentTimeMillis() + Duration.ofHours(1).toMillis();
    String topic = "spela/v2/STATE/" + hostId;
    byte[] state = new byte[FleetProtocol.HEADER_LENGTH + HostStateMessage.BODY_LENGTH + 72];
    HostStateMessage message = new HostStateMessage();
    message.wrapForEncode(state, 0, state.length, 0, 0);
    message.state(true, HostStateMessage.PRIMARY, ahead);
    MessageKeys keys = broker.hostLogin().keys();
    if (keys != null) { // signed by the fleet's host key, as that primary did (PROTOCOL.md section 5)
      message.authenticate(keys.nextCounter());
      byte[] signature = keys.sign(topic.getBytes(StandardCharsets.US_ASCII), state, message.signedLength());
      System.arraycopy(signature, 0, state, message.tagOffset(), signature.length);
    }
    try (HostConnection earlier =
        HostConnection.connect(broker.hostUrl(), "earlier-primary", null, (t, p) -> {}, broker.hostLogin())) {
      earlier.publish(topic, Arrays.copyOf(state, message.encodedLength()), 1, true);
    }
    try (VirtualDevice device = trainingDevice(dir, id, hostId)) {
      shortCommand(hostId, id, CommandMessage.START);
      try (Monitor monitor = new Monitor(dir.resolve("run"), hostId)) {
        assertTrue(monitor.host.session() > ahead, "session " + monitor.host.session() + " after " + ahead);
        monitor.awaitMoreRecords("a primary with a newer session than the one it found");
      }
    }
  }
}
