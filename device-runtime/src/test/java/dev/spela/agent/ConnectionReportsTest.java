package dev.spela.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * What an operator hears about the connection (issue 11): a dropped connection once per drop, a
 * broker that cannot be reached once until a connection succeeds, however many attempts fail.
 */
class ConnectionReportsTest {

  private static long count(TestDevice device, int event) {
    return device.reports.stream().filter(r -> r[0] == event).count();
  }

  /** Lets the agent's back-off pass and fails the attempt it makes. */
  private static void failAttempt(TestDevice device) {
    device.work(10_000);
    device.transport.connecting = false;
    device.agent.onConnectionLost();
  }

  @Test
  void failedAttemptsAreReportedOnceUntilAConnectionSucceeds() {
    TestDevice device = new TestDevice().program(TestDevice.image(31, 32, 8)).power();
    device.work(0);
    device.agent.onConnectionLost(); // the first attempt fails: no broker yet
    for (int attempt = 0; attempt < 5; attempt++) {
      failAttempt(device);
    }
    assertEquals(6, device.transport.connects, "it keeps trying");
    assertEquals(1, count(device, AgentEvent.BROKER_UNREACHABLE), "said once");
    assertEquals(5_000, device.reports.stream().filter(r -> r[0] == AgentEvent.BROKER_UNREACHABLE)
        .findFirst().orElseThrow()[1], "with the longest wait between attempts");
    assertEquals(0, count(device, AgentEvent.CONNECTION_LOST), "never connected: nothing was lost");

    device.work(10_000);
    device.transport.connecting = false;
    device.agent.onConnected();
    device.agent.onConnectionLost(); // the broker goes away
    assertEquals(1, count(device, AgentEvent.CONNECTION_LOST));
    failAttempt(device);
    failAttempt(device);
    assertEquals(2, count(device, AgentEvent.BROKER_UNREACHABLE), "once more for the new outage");
  }
}
