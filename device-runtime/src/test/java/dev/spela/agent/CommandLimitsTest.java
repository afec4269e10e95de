package dev.spela.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spela.protocols.fleet.AckMessage;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import org.junit.jupiter.api.Test;

/** CHECKPOINT and EVALUATE floods are answered RATE_LIMITED (PROTOCOL.md section 8), other commands not. */
class CommandLimitsTest {

  private static int status(TestDevice device) {
    FakeTransport.Sent sent = device.transport.last(FleetProtocol.ACK);
    AckMessage ack = new AckMessage();
    assertEquals(0, ack.wrap(sent.payload(), 0, sent.payload().length));
    return ack.status();
  }

  private static int checkpointsWritten(TestDevice device, int commands) {
    int ok = 0;
    for (int k = 0; k < commands; k++) {
      device.command(CommandMessage.CHECKPOINT, 0);
      ok += status(device) == AckMessage.OK ? 1 : 0;
    }
    return ok;
  }

  @Test
  void aCheckpointFloodWritesABurstThenOnePerInterval() {
    TestDevice device = new TestDevice();
    device.config.commandLimits(30_000, 5_000, 3);
    device.program(TestDevice.image(2, 32, 8)).power().online();
    assertEquals(3, checkpointsWritten(device, 50), "the burst, then RATE_LIMITED");
    assertEquals(AckMessage.RATE_LIMITED, status(device));
    device.command(CommandMessage.START, 0);
    assertEquals(AckMessage.OK, status(device), "other commands are not limited");
    device.work(30_000);
    assertEquals(1, checkpointsWritten(device, 5), "one more per interval");
    device.work(90_000);
    assertEquals(3, checkpointsWritten(device, 5), "the bucket refills up to the burst");
  }

  @Test
  void evaluationsAreLimitedOnTheirOwn() {
    TestDevice device = new TestDevice();
    device.config.commandLimits(30_000, 5_000, 2);
    device.program(TestDevice.image(2, 32, 8)).power().online();
    for (int k = 0; k < 2; k++) {
      device.command(CommandMessage.EVALUATE, 10);
      assertEquals(AckMessage.OK, status(device));
    }
    device.command(CommandMessage.EVALUATE, 10);
    assertEquals(AckMessage.RATE_LIMITED, status(device));
    assertEquals(2, checkpointsWritten(device, 2), "checkpoints have their own budget");
    device.work(5_000);
    device.command(CommandMessage.EVALUATE, 10);
    assertEquals(AckMessage.OK, status(device));
  }
}
