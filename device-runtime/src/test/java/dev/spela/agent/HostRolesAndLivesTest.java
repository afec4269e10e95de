package dev.spela.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.fleet.AckMessage;
import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.DataMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.HostStateMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PROTOCOL.md section 7 on the device: a secondary host's STATE gets a BIRTH but never moves the
 * primary session the device follows, so no order of host programs and reconnections leaves the
 * device ignoring its primary; DATA flows only while the primary is online. Section 2: a device's
 * life is created with its state, and records are numbered per boot.
 */
class HostRolesAndLivesTest {

  private static DataMessage data(FakeTransport.Sent sent) {
    DataMessage data = new DataMessage();
    assertEquals(FleetStatus.OK, data.wrap(sent.payload(), 0, sent.payload().length));
    return data;
  }

  private static BirthMessage birth(FakeTransport.Sent sent) {
    BirthMessage birth = new BirthMessage();
    assertEquals(FleetStatus.OK, birth.wrap(sent.payload(), 0, sent.payload().length));
    return birth;
  }

  /** The connection drops and comes back (the clock moves past the back-off, one round runs). */
  private static void reconnect(TestDevice device) {
    device.agent.onConnectionLost();
    device.now += 10_000;
    device.rounds(1);
    assertTrue(device.transport.connecting);
    device.transport.connecting = false;
    device.agent.onConnected();
  }

  @Test
  void aShortCommandThenABrokerRestartLeavesTheDeviceFollowingItsPrimary() {
    TestDevice device = new TestDevice().program(TestDevice.image(21, 32, 8)).power().online();
    FakeTransport transport = device.transport;
    long primary = device.hostSession;
    assertEquals(primary, device.agent.board().primarySession());

    // A short command (secondary, newer connect time): a BIRTH for its table, the session stays.
    device.work(DeviceAgent.BIRTH_INTERVAL_MILLIS);
    device.hostState(true, HostStateMessage.SECONDARY, primary + 60_000);
    assertEquals(2, transport.sent(FleetProtocol.BIRTH).size());
    assertEquals(primary, device.agent.board().primarySession());
    device.command(CommandMessage.START, 0);
    device.rounds(4);
    int records = transport.sent(FleetProtocol.DATA).size();
    assertTrue(records > 0, "DATA while the primary is online");

    // The broker restarts: every client reconnects and the primary re-announces its own session.
    reconnect(device);
    device.rounds(4);
    assertEquals(records, transport.sent(FleetProtocol.DATA).size(), "no DATA before the primary: kept");
    device.hostState(true, HostStateMessage.SECONDARY, primary + 90_000); // a command ran meanwhile
    device.rounds(4);
    assertEquals(records, transport.sent(FleetProtocol.DATA).size(), "a secondary gets no DATA");
    device.hostState(true);
    assertEquals(0, device.agent.dropped(FleetStatus.STALE_SESSION));
    device.rounds(4);
    assertTrue(transport.sent(FleetProtocol.DATA).size() > records, "DATA flows again");
  }

  @Test
  void withOnlyASecondaryHostCommandsAreAnsweredAndRecordsWaitForThePrimary() {
    TestDevice device = new TestDevice().program(TestDevice.image(22, 32, 8)).power();
    device.work(0);
    device.transport.connecting = false;
    device.agent.onConnected();
    device.hostState(true, HostStateMessage.SECONDARY, device.hostSession);
    FakeTransport transport = device.transport;
    assertEquals(1, transport.sent(FleetProtocol.BIRTH).size());
    device.command(CommandMessage.START, 0);
    byte[] answer = transport.last(FleetProtocol.ACK).payload();
    AckMessage ack = new AckMessage();
    assertEquals(FleetStatus.OK, ack.wrap(answer, 0, answer.length));
    assertEquals(AckMessage.OK, ack.status(), "a secondary's command is served");
    device.rounds(4);
    assertTrue(transport.sent(FleetProtocol.DATA).isEmpty(), "no primary: no DATA");
    assertEquals(0, device.agent.board().primarySession(), "no primary session yet");

    // The primary comes: the records kept meanwhile go first, oldest first, none dropped.
    device.hostState(true);
    device.rounds(4);
    List<FakeTransport.Sent> sent = transport.sent(FleetProtocol.DATA);
    assertTrue(sent.size() >= 4, "the buffered records and the new ones");
    for (int r = 0; r < sent.size(); r++) {
      assertEquals(r, data(sent.get(r)).recordCounter());
      assertEquals(0, data(sent.get(r)).recordsDropped());
    }
  }

  @Test
  void secondaryStatesGetAtMostOneBirthPerIntervalAndTheLastOneIsNotLost() {
    TestDevice device = new TestDevice().program(TestDevice.image(23, 32, 8)).power().online();
    FakeTransport transport = device.transport;
    assertEquals(1, transport.sent(FleetProtocol.BIRTH).size(), "the primary's");
    device.hostState(true, HostStateMessage.SECONDARY, 1);
    device.hostState(true, HostStateMessage.SECONDARY, 2);
    assertEquals(1, transport.sent(FleetProtocol.BIRTH).size(), "within the interval: deferred");
    assertEquals(DeviceAgent.BIRTH_INTERVAL_MILLIS, device.agent.idleMillis(device.now));
    device.work(DeviceAgent.BIRTH_INTERVAL_MILLIS - 1);
    assertEquals(1, transport.sent(FleetProtocol.BIRTH).size());
    device.work(1);
    assertEquals(2, transport.sent(FleetProtocol.BIRTH).size(), "one BIRTH for both, when due");
    device.work(DeviceAgent.BIRTH_INTERVAL_MILLIS);
    assertEquals(2, transport.sent(FleetProtocol.BIRTH).size());
  }

  @Test
  void thePrimarySessionIsPersistedAndOlderOnesStayStaleAfterAPowerCycle() {
    TestDevice device = new TestDevice().program(TestDevice.image(24, 32, 8)).power().online();
    device.hostSession += 1_000;
    device.hostState(true);
    device.power().online(); // the same session: accepted
    assertEquals(0, device.agent.dropped(FleetStatus.STALE_SESSION));
    device.hostState(false, HostStateMessage.PRIMARY, device.hostSession - 1_000); // a late will
    assertEquals(1, device.agent.dropped(FleetStatus.STALE_SESSION));
    // The primary's own late will: offline until it re-announces, records not sent meanwhile.
    device.command(CommandMessage.START, 0);
    device.hostState(false);
    int records = device.transport.sent(FleetProtocol.DATA).size();
    device.rounds(4);
    assertEquals(records, device.transport.sent(FleetProtocol.DATA).size());
    device.hostState(true);
    device.rounds(4);
    assertTrue(device.transport.sent(FleetProtocol.DATA).size() > records);
  }

  @Test
  void recordsAreNumberedPerBootAndAWipedDeviceStartsANewLife() {
    byte[] image = TestDevice.image(25, 32, 8);
    TestDevice device = new TestDevice().program(image).power().online();
    FakeTransport transport = device.transport;
    device.command(CommandMessage.START, 0);
    device.rounds(4);
    reconnect(device);
    device.hostState(true);
    device.rounds(4);
    List<FakeTransport.Sent> firstBoot = transport.sent(FleetProtocol.DATA);
    for (int r = 0; r < firstBoot.size(); r++) {
      DataMessage data = data(firstBoot.get(r));
      assertEquals(r, data.recordCounter(), "a reconnection does not restart the numbers");
      assertEquals(TestDevice.LIFE_ID, data.lifeId());
      assertEquals(1, data.bootCount());
      assertEquals(50, data.windowSamples());
    }
    assertEquals(TestDevice.LIFE_ID, birth(transport.last(FleetProtocol.BIRTH)).lifeId());

    device.command(CommandMessage.STOP, 0);
    transport.sent.clear();
    device.power().online();
    device.command(CommandMessage.START, 0);
    device.rounds(4);
    DataMessage secondBoot = data(transport.sent(FleetProtocol.DATA).get(0));
    assertEquals(0, secondBoot.recordCounter(), "a boot restarts them");
    assertEquals(2, secondBoot.bootCount());
    assertEquals(TestDevice.LIFE_ID, secondBoot.lifeId(), "the life outlives boots");

    // Wiped (a factory reset): the state is created again, with the fresh life id of this start.
    device.areas[DeviceFlash.STATE_0].erase(0, TestDevice.SECTOR);
    device.areas[DeviceFlash.STATE_1].erase(0, TestDevice.SECTOR);
    device.config.newLifeId(TestDevice.LIFE_ID + 1);
    transport.sent.clear();
    device.program(image).power().online();
    device.command(CommandMessage.START, 0);
    device.rounds(4);
    DataMessage newLife = data(transport.sent(FleetProtocol.DATA).get(0));
    assertNotEquals(TestDevice.LIFE_ID, newLife.lifeId());
    assertEquals(TestDevice.LIFE_ID + 1, birth(transport.last(FleetProtocol.BIRTH)).lifeId());
    assertEquals(1, newLife.bootCount());
    assertEquals(0, newLife.recordCounter());
  }
}
