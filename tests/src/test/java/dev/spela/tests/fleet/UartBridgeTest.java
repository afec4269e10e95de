package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.agent.AgentConfig;
import dev.spela.agent.Clock;
import dev.spela.agent.DeviceAgent;
import dev.spela.agent.DeviceFlash;
import dev.spela.agent.SerialPort;
import dev.spela.agent.UartTransport;
import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.Names;
import dev.spela.boards.device.BoardLimits;
import dev.spela.boards.device.DatasetSensor;
import dev.spela.boards.device.DeviceCredentials;
import dev.spela.boards.device.UartBridge;
import dev.spela.data.Dataset;
import dev.spela.fleet.FleetData;
import dev.spela.fleet.FleetDemo;
import dev.spela.fleet.FleetHost;
import dev.spela.fleet.FleetMonitor;
import dev.spela.fleet.LiveFleet;
import dev.spela.fleet.ModelCatalogue;
import dev.spela.fleet.TelemetryReader;
import dev.spela.fleet.TelemetryRecord;
import dev.spela.fleet.TelemetryStore;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.protocols.storage.ArrayFlash;
import dev.spela.runtime.MemoryPlan;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device agent with no network of its own, only a UART (here a local socket, as QEMU's serial
 * port is) to a {@link UartBridge} that holds its TLS connection and account: it is flashed
 * (pulled, verified, trial, confirm), trains, and its telemetry is stored once, as a virtual
 * device's. The same agent and transport run in the firmware's agent mode.
 */
class UartBridgeTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String GROUP = "uart";
  private static final String HOST = "host-uart";

  @Test
  void aBoardOnAUartBridgeIsFlashedTrainsAndIsStoredLikeAVirtualDevice(@TempDir Path dir) throws Exception {
    Dataset mnist = Dataset.read("mnist", FleetScenarios.sharedMnist());
    FleetSecurity fleet = FleetSecurity.open(dir.resolve("fleet"));
    List<String> bridgeLines = new CopyOnWriteArrayList<>();
    CountDownLatch trained = new CountDownLatch(1);
    try (TestBroker broker = TestBroker.secureEmbedded(fleet);
        ServerSocket uart = new ServerSocket(0)) {
      String id = "uart-0001";
      DeviceCredentials account = broker.enrol(id, GROUP, dir.resolve(id));
      Path run = dir.resolve("run");
      Files.createDirectories(run);
      String database = TelemetryStore.sqliteUrl(run);
      try (TelemetryStore store = TelemetryStore.open(database);
          FleetMonitor monitor = new FleetMonitor(store, new LiveFleet("m", database, new ModelCatalogue(List.of())), true);
          FleetHost host = FleetHost.open(broker.hostUrl(), HOST, FleetHost.Options.primary(true, null),
              broker.hostLogin(), monitor, new FleetHost.Listener() {
                @Override
                public void onTelemetry(TelemetryRecord record) {
                  if (record.trainingState() == 0 && record.epoch() >= 1) {
                    trained.countDown();
                  }
                }
              });
          SocketBoard board = new SocketBoard(uart.getLocalPort(), id,
              new DatasetSensor(FleetData.shard(mnist, 0, 16, 400, 100)));
          Socket boardSide = uart.accept();
          UartBridge bridge = new UartBridge(broker.url(), account, boardSide.getInputStream(),
              boardSide.getOutputStream(), bridgeLines::add)) {
        Thread relay = new Thread(bridge::run, "uart-bridge");
        relay.start();
        board.start();

        assertTrue(host.awaitDevice(id, d -> true, WAIT).isPresent(), "the board's BIRTH reached the host");
        byte[] image = FleetDemo.untrainedImage(new int[] {784, 32, 16}, 10, 0.01, 1);
        FleetHost.Verdict verdict = host.offer(id, image, 10, null).await(WAIT);
        assertEquals(VerdictMessage.CONFIRMED, verdict.outcome(), verdict.describe());
        assertTrue(host.awaitDevice(id, d -> d.layers() == 2, WAIT).isPresent());

        assertTrue(host.command(id, CommandMessage.START, 0, WAIT).ok());
        assertTrue(trained.await(WAIT.toSeconds(), TimeUnit.SECONDS), "training ends after one epoch");
        assertTrue(monitor.flush(WAIT.toMillis()));
        List<TelemetryRecord> stored;
        try (TelemetryReader reader = store.reader()) {
          stored = reader.records();
        }
        Set<Long> numbers = new HashSet<>();
        for (TelemetryRecord record : stored) {
          assertEquals(id, record.device());
          assertTrue(numbers.add(record.recordCounter()), "record " + record.recordCounter() + " once");
        }
        assertEquals(Set.of(0L, 1L, 2L, 3L), numbers, "400 samples, a record per 100");
        assertEquals(0, board.transport.badFrames());

        board.close();
        relay.join(WAIT.toMillis());
        assertTrue(!relay.isAlive(), "the bridge ends with the board's UART");
      }
    }
  }

  /** The agent on a thread of its own, its UART a socket: the firmware's main loop, on a JVM. */
  private static final class SocketBoard implements AutoCloseable {
    private final Socket socket;
    private final DeviceAgent agent;
    private final UartTransport transport;
    private final Thread thread;
    private volatile boolean running = true;

    SocketBoard(int port, String id, DatasetSensor sensor) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(5);
      BoardLimits limits = new BoardLimits(BoardCatalogue.standard().byId("nrf52840"));
      MemoryPlan capacity = limits.capacity(784, 10);
      int slot = limits.layout(capacity).slotBytes();
      int sector = (int) Math.min(slot, limits.board().flashSectorBytes());
      int state = BoardLimits.STATE_AREA_BYTES;
      DeviceFlash flash = new DeviceFlash(new ArrayFlash(slot, sector), new ArrayFlash(slot, sector),
          new ArrayFlash(slot, sector), null, new ArrayFlash(state, state), new ArrayFlash(state, state));
      transport = new UartTransport(new SocketSerial(socket), Names.of(id), new byte[0], 0, new byte[0], 0);
      AgentConfig config = new AgentConfig()
          .identity(Names.of(id), Names.of(GROUP), Names.of(HOST))
          .board(Names.of("nrf52840"))
          .capacity(capacity)
          .memory(256 * 1024, 200 * 1024, 512 * 1024, 3 * slot)
          .maxBlockLog2(limits.maxBlockLog2())
          .wallClock(false)
          .telemetry(100, 2, 1)
          .newLifeId(0x5EED);
      agent = new DeviceAgent(config, flash, transport, sensor, new SinceStart(), (event, a, b) -> {});
      thread = new Thread(this::loop, "socket-board");
    }

    void start() {
      agent.boot();
      thread.start();
    }

    private void loop() {
      while (running) {
        if (transport.poll(agent) < 0) {
          return;
        }
        agent.doWork(System.nanoTime() / 1_000_000);
      }
    }

    @Override
    public void close() throws Exception {
      running = false;
      thread.join(WAIT.toMillis());
      socket.close();
    }
  }

  /** A socket as a UART: reads wait at most the socket's timeout, so the loop keeps turning. */
  private record SocketSerial(Socket socket) implements SerialPort {
    @Override
    public int write(byte[] src, int offset, int length) {
      try {
        OutputStream out = socket.getOutputStream();
        out.write(src, offset, length);
        out.flush();
        return 0;
      } catch (IOException e) {
        return -1;
      }
    }

    @Override
    public int read(byte[] dst, int offset, int length) {
      try {
        InputStream in = socket.getInputStream();
        return in.read(dst, offset, length);
      } catch (SocketTimeoutException e) {
        return 0;
      } catch (IOException e) {
        return -1;
      }
    }
  }

  private static final class SinceStart implements Clock {
    private final long start = System.nanoTime();

    @Override
    public long millis() {
      return (System.nanoTime() - start) / 1_000_000;
    }

    @Override
    public long micros() {
      return System.nanoTime() / 1_000;
    }
  }
}
