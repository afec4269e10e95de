package dev.spela.boards.firmware;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.spela.boards.BoardCatalogue;
import dev.spela.boards.Names;
import dev.spela.boards.device.BoardLimits;
import dev.spela.boards.device.DeviceCredentials;
import dev.spela.boards.device.DeviceLog;
import dev.spela.boards.device.UartBridge;
import dev.spela.firmware.AgentSettings;
import dev.spela.protocols.image.LittleEndian;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An agent firmware ({@code spela firmware build --agent}) running in QEMU as a fleet member: its
 * UART 0 on a local socket, and a {@link UartBridge} on that socket that holds the board's MQTT
 * connection (protocols/UART-BRIDGE.md). Before QEMU starts, the board's settings ({@code
 * agent.cfg}: identity, host, telemetry rhythm) are written beside the firmware, as a factory
 * programs a settings page; the firmware reads them through semihosting.
 */
public final class AgentFirmware implements AutoCloseable {

  /** How {@link #awaitEnd}'s line starts when the firmware failed. */
  public static final String FAILED = "the firmware failed";

  /** How long QEMU may take to connect its serial port to the bridge's socket. */
  private static final int CONNECT_TIMEOUT_MILLIS = 30_000;

  /**
   * The board's identity and rhythm.
   *
   * @param recordEvery training samples per DATA record
   * @param checkpointEvery DATA records per checkpoint
   * @param epochs passes over the sensor's samples after which training stops (0: never)
   */
  public record Settings(String deviceId, String group, String hostId, int recordEvery, int checkpointEvery,
      int epochs) {}

  /** The memory line the firmware prints when it has booted and after each event (README.md). */
  public record Memory(long data, long bss, long heap, long javaHeap, long javaHeapUsed, long stack, long flash) {
    /** .data + .bss + what TeaVM took with malloc + the stack so far. */
    public long peak() {
      return data + bss + heap + stack;
    }
  }

  private final Process qemu;
  private final UartBridge bridge;
  private final String deviceId;
  private final CompletableFuture<Memory> booted = new CompletableFuture<>();
  private volatile Memory memory;
  private final CompletableFuture<String> end = new CompletableFuture<>();

  private AgentFirmware(Process qemu, UartBridge bridge, String deviceId) {
    this.qemu = qemu;
    this.bridge = bridge;
    this.deviceId = deviceId;
  }

  /**
   * Writes the settings, starts QEMU with the firmware in {@code dir} and the bridge to {@code
   * brokerUrl} ({@code account} null: plain MQTT without a login); {@code lines} gets the board's
   * events (as a virtual device logs them) and the bridge's notices, one line each.
   *
   * @throws FirmwareException if {@code dir} holds no agent firmware, QEMU is missing or does not
   *     connect its serial port
   */
  public static AgentFirmware start(Path dir, String brokerUrl, DeviceCredentials account, Settings settings,
      Consumer<String> lines) {
    FirmwareManifest manifest = FirmwareManifest.read(dir);
    if (!manifest.agent()) {
      throw new FirmwareException(dir + " holds a firmware without the agent: build it with --agent to run it"
          + " with a broker");
    }
    Path qemuBinary = Toolchain.requireEmulator();
    try (ServerSocket uart = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Files.write(dir.resolve("agent.cfg"), settingsFile(manifest, settings, account));
      Process qemu = new ProcessBuilder(List.of(
          qemuBinary.toString(), "-M", manifest.qemuMachine(), "-display", "none", "-monitor", "none",
          "-serial", "tcp:127.0.0.1:" + uart.getLocalPort(),
          "-semihosting-config", "enable=on,target=native", "-kernel", FirmwareManifest.ELF))
          .directory(dir.toFile()).redirectErrorStream(true).start();
      uart.setSoTimeout(CONNECT_TIMEOUT_MILLIS);
      Socket board;
      try {
        board = uart.accept();
      } catch (SocketTimeoutException e) {
        qemu.destroyForcibly();
        throw new FirmwareException("QEMU did not connect the board's serial port within "
            + CONNECT_TIMEOUT_MILLIS / 1000 + " s");
      }
      UartBridge bridge = new UartBridge(brokerUrl, account, board.getInputStream(), board.getOutputStream(), lines);
      AgentFirmware firmware = new AgentFirmware(qemu, bridge, settings.deviceId());
      Thread console = new Thread(() -> firmware.readConsole(lines), "firmware-console");
      console.setDaemon(true);
      console.start();
      Thread relay = new Thread(() -> {
        String why = bridge.run();
        lines.accept("UART bridge: " + why + "; the board's connection ends");
        closeQuietly(board);
      }, "uart-bridge");
      relay.setDaemon(true);
      relay.start();
      return firmware;
    } catch (IOException e) {
      throw new FirmwareException("cannot run the agent firmware in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The memory figures the firmware printed after it booted (waits for them). */
  public Memory awaitBoot(long timeout, TimeUnit unit) throws Exception {
    return booted.get(timeout, unit);
  }

  /**
   * The memory figures the firmware printed last (with its last event): high-water marks, so the
   * peak of everything it did until then; null before it booted.
   */
  public Memory memory() {
    return memory;
  }

  /** Waits until QEMU ends; returns why, one line. */
  public String awaitEnd() throws InterruptedException {
    int code = qemu.waitFor();
    return end.getNow("the board stopped (QEMU exit code " + code + ")");
  }

  /** Power cut: QEMU is stopped, the bridge drops the connection (the broker publishes DEATH). */
  @Override
  public void close() {
    qemu.destroy();
    try {
      if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
        qemu.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      qemu.destroyForcibly();
    }
    bridge.close();
  }

  private void readConsole(Consumer<String> lines) {
    try (BufferedReader console = new BufferedReader(new InputStreamReader(qemu.getInputStream(), UTF_8))) {
      String line;
      while ((line = console.readLine()) != null) {
        String[] parts = line.strip().split(" ");
        if (parts[0].equals("S") && parts.length == 8) {
          long[] v = new long[7];
          for (int i = 0; i < 7; i++) {
            v[i] = Long.parseLong(parts[i + 1]);
          }
          memory = new Memory(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
          if (booted.complete(memory)) {
            lines.accept(String.format(Locale.ROOT, "firmware: booted; RAM %,d bytes (.data %,d, .bss %,d, heap %,d"
                + " with a Java heap of %,d, %,d used; stack %,d so far), flash %,d bytes", memory.peak(), v[0], v[1],
                v[2], v[3], v[4], v[5], v[6]));
          }
        } else if (parts[0].equals("E") && parts.length == 4) {
          lines.accept(deviceId + ": " + DeviceLog.describe(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
              Integer.parseInt(parts[3])));
        } else if (parts[0].equals("F")) {
          end.complete(FAILED + ": " + line.strip());
          lines.accept("firmware: " + line.strip());
        } else {
          lines.accept("firmware: " + line.strip());
        }
      }
    } catch (IOException | NumberFormatException e) {
      if (qemu.isAlive()) { // else the console closed with QEMU: nothing to report
        lines.accept("firmware console: " + e.getMessage());
      }
    }
  }

  /**
   * {@code agent.cfg} (dev.spela.firmware.AgentSettings) for this firmware and these settings, with
   * the message keys of {@code account} (none when it is null: an insecure fleet).
   */
  static byte[] settingsFile(FirmwareManifest manifest, Settings settings, DeviceCredentials account) {
    byte[] file = new byte[AgentSettings.LENGTH];
    LittleEndian.put32(file, 0, AgentSettings.MAGIC);
    LittleEndian.put16(file, 4, AgentSettings.VERSION);
    LittleEndian.put16(file, 6, AgentSettings.LENGTH);
    Names.of(settings.deviceId()).writeField(file, AgentSettings.DEVICE_ID_OFFSET);
    Names.of(settings.group()).writeField(file, AgentSettings.GROUP_OFFSET);
    Names.of(settings.hostId()).writeField(file, AgentSettings.HOST_ID_OFFSET);
    Names.of(manifest.board()).writeField(file, AgentSettings.BOARD_OFFSET);
    long life = 0;
    while (life == 0) {
      life = new SecureRandom().nextLong();
    }
    LittleEndian.put64(file, AgentSettings.LIFE_ID_OFFSET, life);
    LittleEndian.put32(file, AgentSettings.RECORD_EVERY_OFFSET, settings.recordEvery());
    LittleEndian.put32(file, AgentSettings.CHECKPOINT_EVERY_OFFSET, settings.checkpointEvery());
    LittleEndian.put32(file, AgentSettings.EPOCHS_OFFSET, settings.epochs());
    LittleEndian.put32(file, AgentSettings.MAX_BLOCK_LOG2_OFFSET, maxBlockLog2(manifest.board()));
    FirmwareLayout layout = manifest.layout();
    LittleEndian.put32(file, AgentSettings.MEMORY_OFFSET, (int) layout.ramBytes());
    LittleEndian.put32(file, AgentSettings.MEMORY_OFFSET + 4,
        (int) FirmwareOverhead.agentRamBytes(layout));
    LittleEndian.put32(file, AgentSettings.MEMORY_OFFSET + 8, (int) layout.flashBytes());
    LittleEndian.put32(file, AgentSettings.MEMORY_OFFSET + 12, (int) (3 * layout.slotBytes()));
    if (account != null) {
      System.arraycopy(account.deviceKey(), 0, file, AgentSettings.DEVICE_KEY_OFFSET, 32);
      System.arraycopy(account.hostPublicKey(), 0, file, AgentSettings.HOST_KEY_OFFSET, 32);
    }
    return file;
  }

  /** The largest block a catalogue board buffers (as its virtual device); 1 KiB for others. */
  private static int maxBlockLog2(String board) {
    try {
      return new BoardLimits(BoardCatalogue.standard().byId(board)).maxBlockLog2();
    } catch (NoSuchElementException e) {
      return 10;
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // the board's side is gone already
    }
  }
}
