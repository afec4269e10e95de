package dev.spela.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.fleet.AckMessage;
import dev.spela.protocols.fleet.BirthMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.DataMessage;
import dev.spela.protocols.fleet.DeathMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.HostStateMessage;
import dev.spela.protocols.fleet.Message;
import dev.spela.protocols.fleet.Topic;
import dev.spela.protocols.fleet.VerdictMessage;
import dev.spela.protocols.image.ImageSignature;
import org.junit.jupiter.api.Test;

/**
 * A device with keys from provisioning (PROTOCOL.md section 5): it seals everything it publishes
 * and acts only on host messages it can authenticate; forged, replayed and re-addressed ones
 * change nothing, while the genuine ones next to them still work.
 */
class AuthenticatedAgentTest {

  private final HostKeys keys = new HostKeys(1);

  private TestDevice device() {
    return new TestDevice().program(TestDevice.image(2, 32, 8)).secured(keys).power();
  }

  private static long counter(FakeTransport.Sent sent, Message flyweight) {
    assertEquals(FleetStatus.OK, flyweight.wrap(sent.payload(), 0, sent.payload().length));
    assertTrue(flyweight.authenticated(), "sealed");
    return flyweight.counter();
  }

  @Test
  void everythingTheDeviceSendsIsSealedWithItsKeyAndCountedInItsSession() {
    TestDevice device = device();
    device.work(0);
    FakeTransport transport = device.transport;
    long session = (long) transport.bdSeq() << 32;
    DeathMessage will = new DeathMessage();
    assertTrue(keys.verify(transport.willTopic, transport.will, will), "the will's MAC");
    assertEquals(session | 0xFFFFFFFFL, will.counter(), "the will is the session's last message");
    transport.connecting = false;
    device.agent.onConnected();
    device.hostState(true);
    device.command(CommandMessage.START, 0);
    device.rounds(40);
    device.work(0);
    long previous = -1;
    int data = 0;
    for (FakeTransport.Sent sent : transport.sent) {
      Message flyweight =
          sent.type() == FleetProtocol.BIRTH
              ? new BirthMessage()
              : sent.type() == FleetProtocol.ACK ? new AckMessage() : new DataMessage();
      assertTrue(keys.verify(sent.topic(), sent.payload(), flyweight), sent.topic());
      long counter = counter(sent, flyweight);
      assertEquals(session | (previous + 1), counter, "counted from 0 in the session");
      previous = counter - session;
      data += sent.type() == FleetProtocol.DATA ? 1 : 0;
    }
    assertTrue(data > 0, "DATA records were sent");
  }

  @Test
  void unsignedOrForeignStateChangesNothing() {
    TestDevice device = device();
    device.work(0);
    device.transport.connecting = false;
    device.agent.onConnected();
    // Unsigned (a host without keys, or a party with broker rights): dropped, no BIRTH.
    byte[] state = new byte[FleetProtocol.HEADER_LENGTH + HostStateMessage.BODY_LENGTH];
    HostStateMessage unsigned = new HostStateMessage();
    unsigned.wrapForEncode(state, 0, state.length, 0, 0);
    unsigned.state(true, HostStateMessage.PRIMARY, Long.MAX_VALUE);
    device.deliverRaw(Topic.STATE, state, state.length);
    assertEquals(1, device.agent.dropped(FleetStatus.UNAUTHENTICATED));
    // Signed by another key: dropped as a bad tag.
    HostKeys foreign = new HostKeys(1);
    TestDevice impostor = device;
    impostor.keys = foreign;
    impostor.hostState(true, HostStateMessage.PRIMARY, Long.MAX_VALUE);
    assertEquals(1, device.agent.dropped(FleetStatus.BAD_MAC));
    assertTrue(device.transport.sent(FleetProtocol.BIRTH).isEmpty(), "no BIRTH for a forged STATE");
    // The genuine host is still followed: its session was not overtaken by the forgeries.
    device.keys = keys;
    device.hostState(true);
    assertEquals(1, device.transport.sent(FleetProtocol.BIRTH).size());
    assertEquals(device.hostSession, device.agent.board().primarySession());
  }

  @Test
  void forgedAndReplayedCommandsAreDroppedAndGenuineOnesRun() {
    TestDevice device = device().online();
    FakeTransport transport = device.transport;
    // Without a trailer, and with a MAC of another key.
    byte[] forged = new byte[FleetProtocol.HEADER_LENGTH + CommandMessage.BODY_LENGTH];
    CommandMessage command = new CommandMessage();
    command.wrapForEncode(forged, 0, forged.length, 0, transport.bdSeq());
    command.command(9, CommandMessage.START, 0);
    device.deliverRaw(Topic.COMMAND, forged, forged.length);
    assertEquals(1, device.agent.dropped(FleetStatus.UNAUTHENTICATED));
    device.keys = new HostKeys(77);
    device.command(CommandMessage.START, 0);
    assertEquals(1, device.agent.dropped(FleetStatus.BAD_MAC));
    assertTrue(transport.sent(FleetProtocol.ACK).isEmpty(), "no forged command answered");
    assertEquals(BirthMessage.STOPPED, device.agent.trainingState());
    // The genuine command runs; the same bytes again are a replay.
    device.keys = keys;
    device.command(CommandMessage.START, 0);
    assertEquals(BirthMessage.TRAINING, device.agent.trainingState());
    byte[] genuine = device.lastDelivered;
    device.command(CommandMessage.PAUSE, 0);
    device.deliverRaw(Topic.COMMAND, genuine, genuine.length);
    assertEquals(1, device.agent.dropped(FleetStatus.REPLAYED));
    assertEquals(BirthMessage.PAUSED, device.agent.trainingState(), "the replayed START did nothing");
    assertEquals(2, transport.sent(FleetProtocol.ACK).size());
    // A genuine command copied to the IMG topic fails its MAC (the topic is covered).
    device.deliverRaw(Topic.IMAGE, genuine, genuine.length);
    assertEquals(2, device.agent.dropped(FleetStatus.BAD_MAC) + device.agent.dropped(FleetStatus.BAD_TOPIC));
  }

  @Test
  void aForgedOfferStartsNothingAndAGenuineTransferCompletes() throws Exception {
    TestDevice device = device().online();
    FakeTransport transport = device.transport;
    byte[] model = TestDevice.image(5, 16, 8);
    byte[] next = keys.signImage(model, 0);
    device.keys = new HostKeys(99);
    device.offer(7, next, 10, TestDevice.sha256(model));
    assertTrue(transport.sent(FleetProtocol.BLOCK_REQUEST).isEmpty(), "a forged OFFER moves no block");
    assertTrue(transport.sent(FleetProtocol.VERDICT).isEmpty());
    device.keys = keys;
    device.offer(7, next, 10, TestDevice.sha256(model));
    device.serve(7, next, 10);
    device.online();
    VerdictMessage verdict = new VerdictMessage();
    FakeTransport.Sent sent = transport.last(FleetProtocol.VERDICT);
    assertTrue(keys.verify(sent.topic(), sent.payload(), verdict));
    assertEquals(VerdictMessage.CONFIRMED, verdict.outcome());
    byte[] running = new byte[32];
    verdict.runningSha256(running, 0);
    assertArrayEquals(TestDevice.sha256(model), running, "an image is named by its model image");
    assertFalse(device.reported(AgentEvent.IMAGE_REFUSED));
  }

  /** Transfers {@code image} (named by {@code model}) and returns the VERDICT that follows. */
  private static VerdictMessage flash(TestDevice device, int transferId, byte[] model, byte[] image)
      throws Exception {
    FakeTransport transport = device.transport;
    int verdicts = transport.sent(FleetProtocol.VERDICT).size();
    device.offer(transferId, image, 10, TestDevice.sha256(model));
    device.serve(transferId, image, 10);
    if (transport.sent(FleetProtocol.VERDICT).size() == verdicts) {
      device.online(); // installed: the VERDICT follows the trial boot's BIRTH
    }
    VerdictMessage verdict = new VerdictMessage();
    assertEquals(FleetStatus.OK, verdict.wrap(transport.last(FleetProtocol.VERDICT).payload(), 0,
        transport.last(FleetProtocol.VERDICT).payload().length));
    assertEquals(transferId, verdict.transferId());
    return verdict;
  }

  @Test
  void unsignedForeignAndOlderImagesAreRefusedAndTheDeviceKeepsTraining() throws Exception {
    TestDevice device = device().online();
    device.command(CommandMessage.START, 0);
    byte[] model = TestDevice.image(5, 32, 8);
    byte[] running = new byte[32];
    device.agent.board().runningSha256(running, 0);

    VerdictMessage unsigned = flash(device, 11, model, model);
    assertEquals(VerdictMessage.BAD_SIGNATURE, unsigned.reason());
    assertEquals(ImageSignature.NOT_SIGNED, unsigned.detail());
    VerdictMessage foreign = flash(device, 12, model, new HostKeys(99).signImage(model, 9));
    assertEquals(VerdictMessage.BAD_SIGNATURE, foreign.reason());
    assertEquals(ImageSignature.UNKNOWN_KEY, foreign.detail());
    byte[] forged = keys.signImage(model, 9);
    forged[forged.length - 1] ^= 1;
    assertEquals(ImageSignature.BAD_SIGNATURE, flash(device, 13, model, forged).detail());
    byte[] still = new byte[32];
    device.agent.board().runningSha256(still, 0);
    assertArrayEquals(running, still, "the device keeps its model");
    long samples = device.agent.board().cursor();
    device.rounds(5);
    assertTrue(device.agent.board().cursor() > samples, "and keeps training");

    VerdictMessage raised = flash(device, 14, model, keys.signImage(model, 5));
    assertEquals(VerdictMessage.CONFIRMED, raised.outcome());
    assertEquals(5, device.agent.board().securityCounter(), "raised once confirmed");
    BirthMessage birth = new BirthMessage();
    byte[] birthPayload = device.transport.last(FleetProtocol.BIRTH).payload();
    assertEquals(FleetStatus.OK, birth.wrap(birthPayload, 0, birthPayload.length));
    assertEquals(5, birth.imageSecurityCounter());

    byte[] older = TestDevice.image(6, 32, 8);
    int blocksBefore = device.transport.sent(FleetProtocol.BLOCK_REQUEST).size();
    VerdictMessage announced = flash(device, 15, older, keys.signImage(older, 4));
    assertEquals(VerdictMessage.DOWNGRADE, announced.reason());
    assertEquals(blocksBefore, device.transport.sent(FleetProtocol.BLOCK_REQUEST).size(),
        "a downgrade announced in the OFFER moves no block");
    // An OFFER that announces more than the image's signed counter: caught once the image is in.
    byte[] signedOlder = keys.signImage(older, 4);
    device.offer(16, signedOlder, 10, TestDevice.sha256(older), 5);
    device.serve(16, signedOlder, 10);
    assertEquals(16, lastVerdict(device).transferId());
    assertEquals(VerdictMessage.DOWNGRADE, lastVerdict(device).reason());

    device.power().online(); // the counter survives a power cycle
    assertEquals(5, device.agent.board().securityCounter());
    VerdictMessage same = flash(device, 17, older, keys.signImage(older, 5));
    assertEquals(VerdictMessage.CONFIRMED, same.outcome(), "an equal counter is no downgrade");
    VerdictMessage newer = flash(device, 18, model, keys.signImage(model, 6));
    assertEquals(VerdictMessage.CONFIRMED, newer.outcome());
    assertEquals(6, device.agent.board().securityCounter());
  }

  private static VerdictMessage lastVerdict(TestDevice device) {
    VerdictMessage verdict = new VerdictMessage();
    byte[] payload = device.transport.last(FleetProtocol.VERDICT).payload();
    assertEquals(FleetStatus.OK, verdict.wrap(payload, 0, payload.length));
    return verdict;
  }

  /**
   * Collectors sharing DATA on machines whose clocks differ by 10 s (PROTOCOL.md sections 5 and
   * 9): the receipts of the one behind still release records, the one ahead does not push the
   * primary's commands out of the replay window, and a replayed receipt changes nothing.
   */
  @Test
  void receiptsOfCollectorsOnClocksOutOfStepAreNotHeldToTheReplayWindow() {
    TestDevice device = new TestDevice().program(TestDevice.image(2, 32, 8)).secured(keys);
    device.receipts = true;
    device.power().online();
    device.command(CommandMessage.START, 0);
    device.rounds(3_000);
    assertEquals(32, device.agent.recordsInFlight());
    keys.clockOffsetMicros = 10_000_000; // collector A, 10 s ahead, stores records 0 to 19
    for (int record = 0; record < 20; record++) {
      device.receipt(record, 1);
    }
    keys.clockOffsetMicros = -10_000_000; // collector B, 10 s behind, stores 20 and 21
    device.receipt(20, 0b11);
    byte[] replay = device.lastDelivered;
    assertEquals(10, device.agent.recordsInFlight(), "both collectors' receipts released records");
    keys.clockOffsetMicros = 0; // the primary's command, on its own clock
    device.command(CommandMessage.PAUSE, 0);
    assertEquals(BirthMessage.PAUSED, device.agent.trainingState(), "the primary's command ran");
    device.deliverRaw(Topic.COMMAND, replay, replay.length);
    assertEquals(0, device.agent.droppedTotal(), "nothing dropped");
    assertEquals(10, device.agent.recordsInFlight(), "the replayed receipt released nothing more");
  }
}
