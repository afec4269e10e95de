package dev.spela.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.DataMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Store and forward on the device (PROTOCOL.md section 9): records wait in a bounded buffer while
 * they cannot be sent, leave it only when the broker acknowledges them, are sent again after a
 * lost connection, and while the buffer is full the training window stays open; the telemetry
 * window doubles while the records waiting fill over half the slots that records in flight leave.
 */
class RecordBufferTest {

  private static DataMessage data(FakeTransport.Sent sent) {
    DataMessage data = new DataMessage();
    assertEquals(FleetStatus.OK, data.wrap(sent.payload(), 0, sent.payload().length));
    return data;
  }

  private static List<Integer> numbers(List<FakeTransport.Sent> sent) {
    List<Integer> numbers = new ArrayList<>();
    for (FakeTransport.Sent s : sent) {
      numbers.add(data(s).recordCounter());
    }
    return numbers;
  }

  private static TestDevice trainingDevice(int buffer) {
    TestDevice device = new TestDevice();
    device.config.recordBuffer(buffer);
    device.program(TestDevice.image(41, 32, 8)).power().online();
    device.command(CommandMessage.START, 0);
    return device;
  }

  /**
   * The connection drops with what it had in flight unacknowledged; the device connects again, and
   * its primary is online (what it publishes from then on is in {@code transport.sent}).
   */
  private static void reconnect(TestDevice device) {
    FakeTransport transport = device.transport;
    device.agent.onConnectionLost();
    transport.inFlight = 0;
    device.now += 10_000;
    device.rounds(1);
    transport.connecting = false;
    device.agent.onConnected();
    transport.sent.clear();
    device.hostState(true);
  }

  @Test
  void thePlansTelemetryBufferIsTheRingsArrays() {
    int slot = DeviceAgent.recordSlotBytes(3);
    RecordRing ring = new RecordRing(AgentConfig.DEFAULT_RECORD_BUFFER, slot);
    assertEquals(
        ring.buffer().length + 4 * ring.capacity(),
        DeviceAgent.telemetryBufferBytes(AgentConfig.DEFAULT_RECORD_BUFFER, 3));
    assertEquals(AgentConfig.DEFAULT_RECORD_BUFFER * slot, ring.buffer().length);
  }

  @Test
  void unacknowledgedRecordsAreSentAgainAfterALostConnection() {
    TestDevice device = trainingDevice(64);
    FakeTransport transport = device.transport;
    transport.inFlight = 3; // the broker has not acknowledged the next three publishes
    device.rounds(6); // records 0, 1, 2
    assertEquals(List.of(0, 1, 2), numbers(transport.sent(FleetProtocol.DATA)));
    reconnect(device);
    BirthMessage birth = new BirthMessage();
    byte[] b = transport.last(FleetProtocol.BIRTH).payload();
    assertEquals(FleetStatus.OK, birth.wrap(b, 0, b.length));
    assertEquals(64, birth.recordBufferCapacity());
    assertTrue(birth.bufferedRecords() >= 3, "the unacknowledged records wait: " + birth.bufferedRecords());
    device.rounds(1);
    List<Integer> resent = numbers(transport.sent(FleetProtocol.DATA));
    assertEquals(List.of(0, 1, 2), resent.subList(0, 3), "sent again, oldest first");
    assertEquals(transport.bdSeq(), data(transport.sent(FleetProtocol.DATA).get(0)).bdSeq(),
        "in the session they are sent in");
  }

  /**
   * A full buffer holds the training window open instead of dropping a record (two broker restarts
   * a few seconds apart filled a 64-record buffer and dropped records): the record taken once a slot
   * frees covers every step since the one before, so the record numbers have no hole.
   */
  @Test
  void aFullBufferHoldsTheWindowOpenAndDropsNothing() {
    TestDevice device = trainingDevice(8);
    FakeTransport transport = device.transport;
    device.hostState(false); // the primary goes away: records wait
    device.rounds(200);
    assertEquals(8, device.agent.bufferedRecords(), "the buffer is full");
    device.hostState(true);
    device.rounds(3); // the 8 go, the broker acknowledges them, the held window's record follows
    List<FakeTransport.Sent> sent = transport.sent(FleetProtocol.DATA);
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8), numbers(sent).subList(0, 9), "no record dropped");
    DataMessage newest = data(sent.get(7));
    DataMessage held = data(sent.get(8));
    assertEquals(0, held.recordsDropped());
    assertEquals(newest.samplesSeen() + held.windowSamples(), held.samplesSeen(),
        "the held record covers every step since the one before");
    assertTrue(newest.windowSamples() > 50, "a wider window under backpressure: " + newest.windowSamples());
    assertTrue(held.windowSamples() > 2 * newest.windowSamples(),
        "held open past the next widening: " + held.windowSamples());
  }

  /**
   * A broker that dies without closing the connection (a restart) leaves a full window of records
   * in flight, holding their slots until the loss is noticed: the window widens for the backlog in
   * the slots that are left, so the buffer does not overflow (it did at 32 in flight and 32 waiting,
   * before the window had widened once: records were lost in broker restarts).
   */
  @Test
  void recordsInFlightToASilentBrokerLeaveRoomForTheBacklogToWidenTheWindow() {
    TestDevice device = trainingDevice(64);
    FakeTransport transport = device.transport;
    transport.silent = true;
    device.rounds(2_000);
    assertEquals(32, transport.inFlight, "a full window of publishes in flight");
    transport.silent = false;
    reconnect(device);
    device.rounds(1);
    List<FakeTransport.Sent> sent = transport.sent(FleetProtocol.DATA);
    List<Integer> numbers = numbers(sent);
    DataMessage newest = data(sent.get(sent.size() - 1));
    assertEquals(0, newest.recordsDropped(), "no record dropped: " + numbers);
    assertTrue(newest.windowSamples() > 50, "a wider window under backpressure: " + newest.windowSamples());
    for (int n = 0; n < numbers.size(); n++) {
      assertEquals(n, numbers.get(n), "every record sent again, oldest first: " + numbers);
    }
  }

  /**
   * The one way a record leaves unsent (a window of {@link DeviceAgent#MAX_HELD_WINDOW} steps that
   * finds the buffer full): the oldest record never sent goes, never one the collector may have
   * stored; with every record sent, the new one is the one dropped.
   */
  @Test
  void aFullRingDropsTheOldestRecordNeverSent() {
    RecordRing ring = new RecordRing(4, 8);
    for (int k = 0; k < 4; k++) {
      assertTrue(ring.hasRoom());
      assertEquals(0, ring.makeRoom());
      ring.buffer()[ring.tailOffset()] = (byte) k;
      ring.add(8);
    }
    assertEquals(false, ring.hasRoom());
    ring.markSent(); // record 0 in flight
    assertEquals(1, ring.makeRoom(), "the oldest never sent is dropped");
    assertEquals(3, ring.size());
    assertEquals(2, ring.buffer()[ring.nextUnsentOffset()], "record 1 went, record 0 in flight stays");
    ring.add(8);
    for (int k = 0; k < 4; k++) {
      ring.markSent();
    }
    assertEquals(-1, ring.makeRoom(), "every record sent: the new one is dropped");
  }
}
