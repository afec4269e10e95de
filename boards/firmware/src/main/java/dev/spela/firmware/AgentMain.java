package dev.spela.firmware;

import dev.spela.agent.AgentConfig;
import dev.spela.agent.DeviceAgent;
import dev.spela.agent.DeviceFlash;
import dev.spela.agent.UartTransport;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.subset.InitPhase;
import dev.spela.runtime.MemoryPlan;

/**
 * The agent firmware's program ({@code spela firmware build --agent}): the device agent, the same
 * device code a virtual device runs, as a fleet member on the board, its only network the UART to
 * a bridge (protocols/UART-BRIDGE.md). At start it reads its settings ({@link AgentSettings}),
 * finds the factory image in slot A (its capacity: the arena is allocated for that model, a larger
 * one offered later is refused), erases the other areas as a factory-fresh flash, checks the
 * agent's heap and allocates it, boots, prints the memory figures, and then loops for ever:
 * the UART's frames to the agent, then the agent's work.
 */
public final class AgentMain {

  private AgentMain() {}

  @InitPhase
  public static void main(String[] args) {
    byte[] settings = new byte[AgentSettings.LENGTH];
    AgentConfig config = new AgentConfig();
    Name deviceId = new Name();
    int read = Natives.settingsRead(settings, 0, settings.length);
    if (AgentSettings.read(settings, read, config, deviceId) != 0) {
      Natives.fail(FirmwareRecord.FAIL_SETTINGS, read, 0);
      return;
    }
    FlashRegion slotA = new NativeFlash(Natives.SLOT_A);
    MemoryPlan capacity = new MemoryPlan();
    int imageBytes = FirmwareMain.planOfImage(slotA, capacity);
    if (imageBytes < 0) {
      Natives.fail(FirmwareRecord.FAIL_IMAGE, imageBytes, 0);
      return;
    }
    config.capacity(capacity).recordBuffer(FirmwareMemory.AGENT_RECORD_BUFFER);
    long needed = FirmwareMemory.agentHeapBytes(capacity, Natives.sampleSize());
    int available = Natives.javaHeapBytes();
    Natives.report(FirmwareRecord.HEAP, (int) needed, available, 0);
    if (needed > available) {
      Natives.fail(FirmwareRecord.FAIL_DOES_NOT_FIT, (int) needed, available);
      return;
    }
    DeviceFlash flash =
        new DeviceFlash(
            slotA,
            factoryErased(Natives.SLOT_B),
            factoryErased(Natives.CHECKPOINT),
            null,
            factoryErased(Natives.STATE_0),
            factoryErased(Natives.STATE_1));
    BoardPorts ports = new BoardPorts();
    UartTransport transport =
        new UartTransport(ports, deviceId, new byte[0], 0, new byte[0], 0);
    DeviceAgent agent =
        new DeviceAgent(config, flash, transport, ports, ports, ports);
    agent.boot();
    Natives.reportMemory();
    while (transport.poll(agent) >= 0) {
      agent.doWork(ports.millis());
    }
  }

  /** A flash region as the factory leaves it: erased. */
  @InitPhase
  private static FlashRegion factoryErased(int region) {
    NativeFlash area = new NativeFlash(region);
    area.erase(0, area.size());
    return area;
  }
}
