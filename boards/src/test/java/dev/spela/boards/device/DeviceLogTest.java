package dev.spela.boards.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spela.agent.AgentEvent;
import dev.spela.protocols.fleet.FleetStatus;
import org.junit.jupiter.api.Test;
import org.tinylog.Level;

/** How loud a device's reports are (issue 11: a normal session logs no warnings). */
class DeviceLogTest {

  @Test
  void aStaleSessionDropIsDetailWhileOtherFaultsAreWarnings() {
    assertEquals(Level.DEBUG, DeviceLog.level(AgentEvent.MESSAGE_DROPPED, FleetStatus.STALE_SESSION),
        "a late will or an old retained STATE after a reconnection is normal");
    assertEquals(Level.WARN, DeviceLog.level(AgentEvent.MESSAGE_DROPPED, FleetStatus.BAD_CRC));
    assertEquals(Level.WARN, DeviceLog.level(AgentEvent.BROKER_UNREACHABLE, 5_000));
    assertEquals(Level.WARN, DeviceLog.level(AgentEvent.CONNECTION_LOST, 0));
    assertEquals(Level.INFO, DeviceLog.level(AgentEvent.RESUMED, 0));
    assertEquals(Level.DEBUG, DeviceLog.level(AgentEvent.BOOTED, 1));
  }
}
