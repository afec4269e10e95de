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
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Receipts (PROTOCOL.md section 9): with a primary that announces them, a record stays on the
 * device until a receipt names it, whatever the broker acknowledged; at most 32 records are in
 * flight, so a collector that stores nothing stops the device's DATA after 32 and its window
 * widens; receipts release records in any order; records not released are sent again after a
 * reconnection and when the primary returns or announces a new session; receipts of another
 * session, boot or life change nothing; without the announcement the broker's acknowledgement
 * releases; a full buffer holds the training window open, and the record of a pause waits for a
 * slot.
 */
class ReceiptsTest {

  /** A training device whose primary announces receipts; the broker acknowledges at once. */
  private static TestDevice receiptingDevice(int buffer) {
    TestDevice device = new TestDevice();
    device.receipts = true;
    device.config.recordBuffer(buffer);
    device.program(TestDevice.image(41, 32, 8)).power().online();
    device.command(CommandMessage.START, 0);
    return device;
  }

  private static DataMessage data(FakeTransport.Sent sent) {
    DataMessage data = new DataMessage();
    assertEquals(FleetStatus.OK, data.wrap(sent.payload(), 0, sent.payload().length));
    return data;
  }

  private static List<Integer> numbers(FakeTransport transport) {
    List<Integer> numbers = new ArrayList<>();
    for (FakeTransport.Sent s : transport.sent(FleetProtocol.DATA)) {
      numbers.add(data(s).recordCounter());
    }
    return numbers;
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> numbers = new ArrayList<>();
    for (int n = from; n < to; n++) {
      numbers.add(n);
    }
    return numbers;
  }

  @Test
  void aCollectorThatStoresNothingStopsTheDeviceAfter32RecordsAndWidensItsWindow() {
    TestDevice device = receiptingDevice(64);
    device.rounds(3_000);
    assertEquals(range(0, 32), numbers(device.transport), "32 in flight, the broker's PUBACKs release none");
    assertEquals(32, device.agent.recordsInFlight());
    assertTrue(device.agent.bufferedRecords() > 32, "the rest wait: " + device.agent.bufferedRecords());
    assertEquals(0, device.agent.recordsDropped());
    device.transport.sent.clear();
    device.receipt(0, -1);
    device.rounds(1);
    List<Integer> next = numbers(device.transport);
    assertTrue(next.size() > 0 && next.get(0) == 32, "the receipt makes room: " + next);
    DataMessage last = data(device.transport.last(FleetProtocol.DATA));
    assertTrue(last.windowSamples() > 50, "a wider window while records waited: " + last.windowSamples());
  }

  @Test
  void receiptsReleaseRecordsInAnyOrder() {
    TestDevice device = receiptingDevice(64);
    device.rounds(1_000);
    device.command(CommandMessage.PAUSE, 0); // no more records: the buffer's count is stable
    int buffered = device.agent.bufferedRecords();
    assertTrue(buffered > 34, "records wait: " + buffered);
    device.transport.sent.clear();
    device.receipt(1, 0b1010); // records 2 and 4: not the oldest
    assertEquals(30, device.agent.recordsInFlight());
    assertEquals(buffered, device.agent.bufferedRecords(), "stored, but behind record 0");
    device.rounds(1);
    assertEquals(List.of(32, 33), numbers(device.transport), "two places in flight freed");
    device.receipt(0, 0b11); // records 0 and 1: they leave, and 2 (stored already) after them
    assertEquals(buffered - 3, device.agent.bufferedRecords());
    device.receipt(0, -1); // repeated and wider: 3 and 5 .. 31 are new
    assertEquals(buffered - 32, device.agent.bufferedRecords());
    assertEquals(2, device.agent.recordsInFlight(), "32 and 33");
  }

  /**
   * A collector that never stores one record (a share of a dead collector's session, waiting for
   * its drain) while the others are receipted: the stored records behind it give up their slots,
   * so records keep flowing and none is dropped.
   */
  @Test
  void storedRecordsBehindAnUnreleasedOneGiveUpTheirSlotsWhenTheRingIsFull() {
    TestDevice device = receiptingDevice(40);
    TreeSet<Integer> sent = new TreeSet<>();
    for (int round = 0; round < 40; round++) {
      device.rounds(100);
      for (FakeTransport.Sent s : device.transport.sent(FleetProtocol.DATA)) {
        int n = data(s).recordCounter();
        sent.add(n);
        if (n != 0) {
          device.receipt(n, 1); // record 0 stays in flight
        }
      }
      device.transport.sent.clear();
    }
    assertTrue(sent.last() > 100, "records kept flowing past the ring's 40 slots: " + sent.last());
    assertEquals(0, device.agent.recordsDropped());
    assertEquals(1, device.agent.recordsInFlight());
    assertEquals(range(0, sent.last() + 1), new ArrayList<>(sent));
    device.command(CommandMessage.PAUSE, 0);
    device.receipt(0, 1);
    device.rounds(1);
    for (FakeTransport.Sent s : device.transport.sent(FleetProtocol.DATA)) {
      device.receipt(data(s).recordCounter(), 1);
    }
    assertEquals(0, device.agent.bufferedRecords(), "record 0 leaves, and every stored one after it");
  }

  @Test
  void receiptsOfAnotherSessionBootOrLifeChangeNothing() {
    TestDevice device = receiptingDevice(64);
    device.rounds(3_000);
    int session = device.transport.bdSeq();
    int boot = device.agent.board().state().bootCount();
    long life = device.agent.board().lifeId();
    device.receipt(life, boot, 0, -1, session - 1);
    device.receipt(life, boot - 1, 0, -1, session);
    device.receipt(life + 1, boot, 0, -1, session);
    assertEquals(3, device.agent.dropped(FleetStatus.STALE_SESSION));
    assertEquals(32, device.agent.recordsInFlight());
    device.receipt(life, boot, 0, -1, session);
    assertEquals(0, device.agent.recordsInFlight());
  }

  @Test
  void recordsNotReleasedAreSentAgainAfterAReconnection() {
    TestDevice device = receiptingDevice(64);
    device.rounds(3_000);
    device.receipt(0, 0b1); // record 0 leaves
    device.agent.onConnectionLost();
    device.now += 10_000;
    device.rounds(1);
    device.transport.connecting = false;
    device.agent.onConnected();
    device.transport.sent.clear();
    device.hostState(true);
    device.rounds(1);
    assertEquals(range(1, 33), numbers(device.transport), "oldest first, in the new session");
    assertEquals(device.transport.bdSeq(), data(device.transport.sent(FleetProtocol.DATA).get(0)).bdSeq());
  }

  @Test
  void recordsNotReleasedAreSentAgainWhenThePrimaryReturnsOrStartsANewSession() {
    TestDevice device = receiptingDevice(64);
    device.rounds(3_000);
    device.receipt(0, 0b101); // 0 leaves, 2 is stored but waits behind 1
    device.transport.sent.clear();
    device.hostSession++; // a restarted collector: its broker session may be gone
    device.hostState(true);
    device.rounds(1);
    List<Integer> again = numbers(device.transport);
    assertEquals(1, again.get(0));
    assertEquals(3, again.get(1), "2 is stored: not sent again");
    assertEquals(32, again.size(), "a full window again");

    device.transport.sent.clear();
    device.hostState(false); // the collector's will: records wait
    device.rounds(100);
    assertTrue(numbers(device.transport).isEmpty());
    device.hostState(true); // back, same session
    device.rounds(1);
    assertEquals(again, numbers(device.transport), "sent again on its return");
  }

  @Test
  void recordsGoAgainAfterASilenceWhoseLengthDoublesUntilAReceiptReleasesOne() {
    TestDevice device = receiptingDevice(64);
    device.rounds(3_000);
    device.command(CommandMessage.PAUSE, 0);
    device.transport.sent.clear();
    device.now += DeviceAgent.RECEIPT_SILENCE_MILLIS - 1;
    device.rounds(1);
    assertTrue(numbers(device.transport).isEmpty(), "not yet");
    device.now += 1;
    device.rounds(1);
    assertEquals(range(0, 32), numbers(device.transport), "a receipt may have been lost: sent again");
    device.transport.sent.clear();
    device.now += DeviceAgent.RECEIPT_SILENCE_MILLIS;
    device.rounds(1);
    assertTrue(numbers(device.transport).isEmpty(), "the next silence is twice as long");
    device.now += DeviceAgent.RECEIPT_SILENCE_MILLIS;
    device.rounds(1);
    assertEquals(range(0, 32), numbers(device.transport));
    device.receipt(0, 1); // a receipt releases a record: the silence is short again
    device.transport.sent.clear();
    device.now += DeviceAgent.RECEIPT_SILENCE_MILLIS;
    device.rounds(1);
    assertEquals(range(1, 33), numbers(device.transport));
  }

  @Test
  void withoutTheAnnouncementTheBrokersAcknowledgementReleasesAndReceiptsAreIgnored() {
    TestDevice device = receiptingDevice(64);
    device.receipts = false;
    device.hostSession++;
    device.hostState(true);
    device.rounds(3_000);
    List<Integer> sent = numbers(device.transport);
    assertTrue(sent.size() > 32, "PUBACKs release: " + sent.size());
    assertEquals(range(0, sent.size()), sent);
    device.receipt(0, -1);
    assertEquals(1, device.agent.dropped(FleetStatus.STALE_SESSION));
  }

  /**
   * A full buffer holds the training window open, and the record of a change of training state
   * waits for a slot too (a STOP while a backlog drained after two broker restarts dropped the
   * oldest record never sent): every record of the boot reaches the collector, none dropped.
   */
  @Test
  void theRecordOfAPauseWaitsForASlotInAFullBufferAndNothingIsDropped() {
    TestDevice device = receiptingDevice(36); // 32 in flight, 4 places for the backlog
    FakeTransport transport = device.transport;
    device.rounds(20_000);
    assertEquals(36, device.agent.bufferedRecords(), "the buffer is full");
    device.command(CommandMessage.PAUSE, 0);
    assertEquals(36, device.agent.bufferedRecords(), "the record of the pause waits");
    device.clock.micros += 60_000_000; // a minute paused before a slot frees
    TreeSet<Integer> sent = new TreeSet<>();
    DataMessage last = null;
    for (int round = 0; round < 100 && device.agent.bufferedRecords() > 0; round++) {
      for (FakeTransport.Sent s : transport.sent(FleetProtocol.DATA)) {
        sent.add(data(s).recordCounter());
        last = data(s);
      }
      transport.sent.clear();
      for (int n : sent) {
        device.receipt(n, 1);
      }
      device.rounds(1);
    }
    assertEquals(0, device.agent.bufferedRecords(), "every record was sent and stored");
    assertEquals(range(0, sent.last() + 1), new ArrayList<>(sent), "no hole");
    assertEquals(0, device.agent.recordsDropped());
    assertEquals(0, last.recordsDropped());
    assertEquals(BirthMessage.PAUSED, last.trainingState(), "the last record is the pause's");
    assertTrue((long) last.stepMicros() * last.windowSamples() < 10_000_000,
        "the pause is not training time: " + last.stepMicros() + " us a step");
  }

  /**
   * Training paused and resumed while the record of the pause waits: the window goes on, and the
   * record that covers it counts the training time only.
   */
  @Test
  void aPauseWhileTheRecordWaitsIsNotCountedAsTrainingTime() {
    TestDevice device = receiptingDevice(36);
    device.rounds(20_000);
    assertEquals(36, device.agent.bufferedRecords(), "the buffer is full");
    device.command(CommandMessage.PAUSE, 0);
    device.clock.micros += 60_000_000;
    device.command(CommandMessage.RESUME, 0);
    device.rounds(100);
    device.transport.sent.clear();
    for (int record = 0; record < 36; record++) {
      device.receipt(record, 1);
    }
    device.rounds(2);
    List<Integer> sent = numbers(device.transport);
    assertTrue(sent.contains(36), "the record after the full buffer's: " + sent);
    DataMessage held = data(device.transport.sent(FleetProtocol.DATA).get(sent.indexOf(36)));
    assertEquals(BirthMessage.TRAINING, held.trainingState());
    assertTrue((long) held.stepMicros() * held.windowSamples() < 10_000_000,
        "the pause is not training time: " + held.stepMicros() + " us a step over " + held.windowSamples());
    assertEquals(0, device.agent.recordsDropped());
  }
}
