package dev.spela.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.fleet.AckMessage;
import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.DataMessage;
import dev.spela.protocols.fleet.DeathMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.protocols.image.ImageStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent's side of the fleet protocol with no broker: messages go in through {@link
 * DeviceAgent#onMessage}, and the test checks what the agent publishes and what it keeps in flash.
 */
class DeviceAgentTest {

  private static BirthMessage birth(FakeTransport.Sent sent) {
    BirthMessage birth = new BirthMessage();
    assertEquals(FleetStatus.OK, birth.wrap(sent.payload(), 0, sent.payload().length));
    return birth;
  }

  private static AckMessage ack(FakeTransport.Sent sent) {
    AckMessage ack = new AckMessage();
    assertEquals(FleetStatus.OK, ack.wrap(sent.payload(), 0, sent.payload().length));
    return ack;
  }

  private static VerdictMessage verdict(FakeTransport.Sent sent) {
    VerdictMessage verdict = new VerdictMessage();
    assertEquals(FleetStatus.OK, verdict.wrap(sent.payload(), 0, sent.payload().length));
    return verdict;
  }

  @Test
  void itWaitsForItsHostThenAnnouncesTheImageItVerified() throws Exception {
    byte[] image = TestDevice.image(1, 32, 8);
    TestDevice device = new TestDevice().program(image).power();
    device.work(0);
    FakeTransport transport = device.transport;
    assertEquals("spela/v2/lab/DEATH/vd-1", transport.willTopic);
    assertEquals(1, transport.bdSeq(), "a new session before the connection");
    device.agent.onConnected();
    assertEquals(
        List.of("spela/v2/STATE/host-1", "spela/v2/lab/CMD/vd-1", "spela/v2/lab/IMG/vd-1"),
        transport.subscriptions);
    assertTrue(transport.sent.isEmpty(), "nothing before the host's STATE");
    device.hostState(true);
    BirthMessage birth = birth(transport.last(FleetProtocol.BIRTH));
    assertEquals(0, birth.seq());
    assertEquals(1, birth.bdSeq());
    assertEquals(BirthMessage.IMAGE_CONFIRMED, birth.imageState());
    assertEquals(image.length, birth.imageLength());
    byte[] sha = new byte[32];
    birth.imageSha256(sha, 0);
    assertArrayEquals(TestDevice.sha256(image), sha);
    assertEquals(2, birth.layerCount());
    assertEquals(1, birth.bootCount());
    assertEquals(1024, 1 << birth.maxBlockLog2());
    assertTrue((birth.capabilities() & BirthMessage.CAN_RECEIVE_IMAGES) != 0);

    // A new host session asks for a BIRTH again; an older one is a stale message.
    device.hostSession++;
    device.hostState(true);
    assertEquals(2, transport.sent(FleetProtocol.BIRTH).size());
    device.hostSession -= 5;
    device.hostState(true);
    assertEquals(1, device.agent.dropped(FleetStatus.STALE_SESSION));
  }

  @Test
  void commandsAreAnsweredOnceAndRepeatsGetTheSameAnswer() {
    TestDevice device = new TestDevice().program(TestDevice.image(2, 32, 8)).power().online();
    FakeTransport transport = device.transport;
    int start = device.command(CommandMessage.START, 0);
    AckMessage ack = ack(transport.last(FleetProtocol.ACK));
    assertEquals(start, ack.commandId());
    assertEquals(AckMessage.OK, ack.status());
    assertEquals(1, ack.seq(), "the message after the BIRTH");
    device.command(start, CommandMessage.START, 0, transport.bdSeq());
    AckMessage repeat = ack(transport.last(FleetProtocol.ACK));
    assertEquals(AckMessage.OK, repeat.status(), "not WRONG_STATE: the command ran once");
    assertEquals(2, repeat.seq());
    device.command(CommandMessage.RESUME, 0);
    assertEquals(AckMessage.WRONG_STATE, ack(transport.last(FleetProtocol.ACK)).status());
    device.command(CommandMessage.PAUSE, 0);
    assertEquals(BirthMessage.PAUSED, device.agent.trainingState());
    device.command(42, 0);
    assertEquals(AckMessage.UNKNOWN_COMMAND, ack(transport.last(FleetProtocol.ACK)).status());
    device.command(CommandMessage.SET_LEARNING_RATE, 0);
    assertEquals(AckMessage.BAD_ARGUMENT, ack(transport.last(FleetProtocol.ACK)).status());
    int before = transport.sent(FleetProtocol.ACK).size();
    device.command(device.commandId++, CommandMessage.STOP, 0, transport.bdSeq() + 1);
    assertEquals(before, transport.sent(FleetProtocol.ACK).size(), "another session's command");
    assertEquals(1, device.agent.dropped(FleetStatus.STALE_SESSION));

    device.command(CommandMessage.EVALUATE, 40);
    AckMessage evaluation = ack(transport.last(FleetProtocol.ACK));
    assertEquals(AckMessage.OK, evaluation.status());
    assertEquals(40, evaluation.evaluatedSamples());
    assertEquals(2, evaluation.layerCount());
  }

  @Test
  void trainingSendsAWindowPerRecordAndCheckpointsEveryOtherRecord() {
    TestDevice device = new TestDevice().program(TestDevice.image(3, 32, 8)).power().online();
    FakeTransport transport = device.transport;
    device.command(CommandMessage.START, 0);
    device.rounds(24); // chunks of 32 and 18 samples: 600 samples, 12 records of 50
    List<FakeTransport.Sent> records = transport.sent(FleetProtocol.DATA);
    assertEquals(12, records.size());
    for (int r = 0; r < records.size(); r++) {
      DataMessage data = new DataMessage();
      assertEquals(
          FleetStatus.OK, data.wrap(records.get(r).payload(), 0, records.get(r).payload().length));
      assertEquals(r, data.recordCounter());
      assertEquals(50L * (r + 1), data.samplesSeen());
      assertEquals(BirthMessage.TRAINING, data.trainingState());
      assertEquals(2, data.layerCount());
      assertTrue(data.stepMicros() > 0);
    }
    // Too many publishes in flight: the record is skipped, its number is not.
    transport.inFlight = 1_000;
    device.rounds(2);
    transport.inFlight = 0;
    device.rounds(2);
    DataMessage data = new DataMessage();
    byte[] last = transport.last(FleetProtocol.DATA).payload();
    data.wrap(last, 0, last.length);
    assertEquals(13, data.recordCounter(), "record 12 skipped");

    // A power cut: the next boot resumes from the last checkpoint (every second record: 14).
    device.power();
    assertEquals(700, device.agent.board().cursor());
    assertEquals(700, device.agent.board().runtime().samplesSeen());
    assertEquals(BirthMessage.TRAINING, device.agent.trainingState(), "it goes on training");
    assertTrue(device.reported(AgentEvent.RESUMED));
  }

  @Test
  void anImageIsPulledCheckedBootedOnTrialAndConfirmed() throws Exception {
    byte[] old = TestDevice.image(4, 32, 8);
    TestDevice device = new TestDevice().program(old).power().online();
    FakeTransport transport = device.transport;
    byte[] next = TestDevice.image(5, 16, 8);
    device.offer(7, next, 10, TestDevice.sha256(next));
    FakeTransport.Sent request = transport.last(FleetProtocol.BLOCK_REQUEST);
    assertEquals(0, request.u32(FleetProtocol.HEADER_LENGTH + 4), "from offset 0");
    int blocks = (next.length + 1023) / 1024;
    assertEquals(Math.min(4, blocks), request.u32(FleetProtocol.HEADER_LENGTH + 8), "4 at most");
    // A corrupted block is dropped and asked for again at once.
    device.block(7, next, 0, 1024, true);
    assertEquals(1, device.agent.dropped(FleetStatus.BAD_CRC));
    assertEquals(2, transport.sent(FleetProtocol.BLOCK_REQUEST).size());
    int session = transport.bdSeq();
    device.serve(7, next, 10);
    // Complete: DEATH (REBOOT), trial boot, confirmed; the verdict follows the next BIRTH.
    DeathMessage death = new DeathMessage();
    byte[] dying = transport.last(FleetProtocol.DEATH).payload();
    assertEquals(FleetStatus.OK, death.wrap(dying, 0, dying.length));
    assertEquals(DeathMessage.REBOOT, death.reason());
    assertEquals(session, death.bdSeq());
    assertTrue(device.reported(AgentEvent.TRIAL_CONFIRMED, 1));
    device.online();
    assertEquals(session + 1, transport.bdSeq());
    BirthMessage birth = birth(transport.last(FleetProtocol.BIRTH));
    assertEquals(1, birth.activeSlot());
    assertEquals(16, device.agent.board().runtime().model().outputs(0));
    VerdictMessage verdict = verdict(transport.last(FleetProtocol.VERDICT));
    assertEquals(7, verdict.transferId());
    assertEquals(VerdictMessage.CONFIRMED, verdict.outcome());
    byte[] running = new byte[32];
    verdict.runningSha256(running, 0);
    assertArrayEquals(TestDevice.sha256(next), running);
    // Reported once: a later boot does not repeat it.
    device.power().online();
    assertEquals(1, transport.sent(FleetProtocol.VERDICT).size());
    // Offering the running image again transfers nothing.
    device.offer(8, next, 10, TestDevice.sha256(next));
    assertEquals(
        VerdictMessage.ALREADY_RUNNING, verdict(transport.last(FleetProtocol.VERDICT)).reason());
  }

  @Test
  void aWrongDigestOrATooLargeModelIsRefusedAndTheOldImageRuns() throws Exception {
    byte[] old = TestDevice.image(6, 32, 8);
    TestDevice device = new TestDevice().program(old).power().online();
    FakeTransport transport = device.transport;
    byte[] next = TestDevice.image(7, 16, 8);
    byte[] wrong = TestDevice.sha256(next);
    wrong[0] ^= 1;
    device.offer(9, next, 10, wrong);
    device.serve(9, next, 10);
    VerdictMessage refused = verdict(transport.last(FleetProtocol.VERDICT));
    assertEquals(VerdictMessage.REFUSED, refused.outcome());
    assertEquals(VerdictMessage.BAD_DIGEST, refused.reason());
    byte[] running = new byte[32];
    refused.runningSha256(running, 0);
    assertArrayEquals(TestDevice.sha256(old), running);

    byte[] wide = TestDevice.image(8, 48, 8); // wider than the 64-32-8 arena
    device.offer(10, wide, 10, TestDevice.sha256(wide));
    device.serve(10, wide, 10);
    VerdictMessage tooWide = verdict(transport.last(FleetProtocol.VERDICT));
    assertEquals(VerdictMessage.DOES_NOT_FIT, tooWide.reason());
    assertEquals(ImageStatus.DOES_NOT_FIT, tooWide.detail());
    assertEquals(0, transport.disconnects, "no reboot");
    assertEquals(32, device.agent.board().runtime().model().outputs(0));
  }

  @Test
  void anImageThatFailsItsTrialIsRolledBack() throws Exception {
    byte[] old = TestDevice.image(9, 32, 8);
    TestDevice device = new TestDevice().program(old).power().online();
    // Valid and small enough, but it reads 32 inputs: the sensor gives 64, the self-test fails.
    byte[] mismatched =
        dev.spela.runtime.FloatModel.kaiming(32, TestDevice.CLASSES, new int[] {16, 8}, 10)
            .toImage();
    device.offer(11, mismatched, 10, TestDevice.sha256(mismatched));
    device.serve(11, mismatched, 10);
    assertTrue(device.reported(AgentEvent.TRIAL_ROLLED_BACK, 1));
    device.online();
    VerdictMessage verdict = verdict(device.transport.last(FleetProtocol.VERDICT));
    assertEquals(VerdictMessage.ROLLED_BACK, verdict.outcome());
    assertEquals(VerdictMessage.TRIAL_FAILED, verdict.reason());
    assertEquals(0, birth(device.transport.last(FleetProtocol.BIRTH)).activeSlot());
  }

  @Test
  void aTransferResumesAfterAPowerCutAndTheRetryTimerAsksAgain() throws Exception {
    TestDevice device = new TestDevice().program(TestDevice.image(11, 32, 8)).power().online();
    FakeTransport transport = device.transport;
    byte[] next = TestDevice.image(12, 16, 8);
    device.offer(12, next, 10, TestDevice.sha256(next));
    device.block(12, next, 0, 1024, false);
    device.block(12, next, 1024, 1024, false);
    assertEquals(1, transport.sent(FleetProtocol.BLOCK_REQUEST).size());
    device.work(4_999);
    assertEquals(1, transport.sent(FleetProtocol.BLOCK_REQUEST).size());
    device.work(1);
    FakeTransport.Sent retry = transport.last(FleetProtocol.BLOCK_REQUEST);
    assertEquals(2048, retry.u32(FleetProtocol.HEADER_LENGTH + 4), "asks from its progress");
    assertTrue(device.reported(AgentEvent.BLOCK_RETRY, 2048));

    device.power().online(); // the power went: the BIRTH reports the unfinished transfer
    BirthMessage birth = birth(transport.last(FleetProtocol.BIRTH));
    assertEquals(12, birth.pendingTransferId());
    assertEquals(2048, birth.pendingOffset());
    assertEquals(
        2048, transport.last(FleetProtocol.BLOCK_REQUEST).u32(FleetProtocol.HEADER_LENGTH + 4));
    device.serve(12, next, 10);
    device.online();
    assertEquals(
        VerdictMessage.CONFIRMED, verdict(transport.last(FleetProtocol.VERDICT)).outcome());
  }

  @Test
  void malformedAndMisaddressedMessagesAreCountedAndDropped() {
    TestDevice device = new TestDevice().program(TestDevice.image(13, 32, 8)).power().online();
    int before = device.transport.sent.size();
    byte[] valid = new byte[FleetProtocol.HEADER_LENGTH + CommandMessage.BODY_LENGTH];
    CommandMessage command = new CommandMessage();
    command.wrapForEncode(valid, 0, valid.length, 0, device.transport.bdSeq());
    command.command(1, CommandMessage.REBIRTH, 0);
    device.deliverRaw(dev.spela.protocols.fleet.Topic.COMMAND, valid, 5);
    device.deliverRaw(
        dev.spela.protocols.fleet.Topic.COMMAND, valid, FleetProtocol.MAX_MESSAGE_LENGTH + 1);
    device.deliverRaw(dev.spela.protocols.fleet.Topic.IMAGE, valid, valid.length);
    byte[] otherTopic =
        "spela/v2/lab/CMD/vd-2".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    device.agent.onMessage(otherTopic, otherTopic.length, valid, valid.length);
    assertEquals(1, device.agent.dropped(FleetStatus.TRUNCATED));
    assertEquals(1, device.agent.dropped(FleetStatus.OVERSIZED));
    assertEquals(2, device.agent.dropped(FleetStatus.BAD_TOPIC));
    assertEquals(before, device.transport.sent.size(), "nothing answered");
    assertTrue(device.reported(AgentEvent.MESSAGE_DROPPED, FleetStatus.TRUNCATED));
  }

  @Test
  void aLostConnectionIsReconnectedWithANewSessionAndBackOff() {
    TestDevice device = new TestDevice().program(TestDevice.image(14, 32, 8)).power().online();
    FakeTransport transport = device.transport;
    assertEquals(1, transport.bdSeq());
    device.agent.onConnectionLost();
    assertTrue(device.reported(AgentEvent.CONNECTION_LOST));
    assertEquals(1, transport.connects);
    device.work(249);
    assertEquals(1, transport.connects, "not before 250 ms");
    device.work(1);
    assertEquals(2, transport.connects);
    assertEquals(2, transport.bdSeq());
    device.agent.onConnectionLost(); // the attempt failed: wait twice as long
    device.work(499);
    assertEquals(2, transport.connects);
    device.work(1);
    assertEquals(3, transport.connects);
    assertNull(transport.last(FleetProtocol.DATA));
    assertFalse(device.agent.connected());
  }
}
