package dev.spela.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.subset.InitPhase;
import dev.spela.subset.OutOfRangeCalls;
import dev.spela.subset.SubsetAssertions;
import dev.spela.subset.SubsetChecker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every steady-state entry point of the device agent, called with out-of-range arguments (negative,
 * huge and extreme numbers, null and empty arrays) on a device that runs a model and is online, and
 * on one with an empty flash, answers with a status or by doing nothing and never throws: the VM
 * would allocate the exception.
 */
class AgentOutOfRangeArgumentsTest {

  @Test
  void noSteadyStateEntryPointOfTheAgentThrowsOnOutOfRangeArguments() throws IOException {
    Path protocols = SubsetAssertions.locationOf(InitPhase.class);
    List<String> entries =
        new SubsetChecker(protocols)
            .check(Path.of("target", "classes"), protocols).entryPoints().stream()
                .filter(entry -> entry.startsWith("dev.spela.agent."))
                .toList();
    assertTrue(entries.size() >= 8, () -> "only " + entries.size() + " entry points");
    List<String> failures =
        OutOfRangeCalls.throwingCalls(
            entries,
            getClass().getClassLoader(),
            new OutOfRangeCalls.Fixtures() {
              @Override
              public List<Object> receivers(Class<?> type) {
                if (type == UartTransport.class) {
                  return List.of(uart(), connectedUart());
                }
                TestDevice running = new TestDevice().program(TestDevice.image(1, 32, 8)).power();
                running.online();
                return List.of(running.agent, new TestDevice().power().agent);
              }

              @Override
              public Object argument(Class<?> type) {
                if (type == byte[].class) {
                  return new byte[256];
                }
                if (type == DeviceAgent.class) {
                  return new TestDevice().power().agent;
                }
                throw new IllegalArgumentException("no fixture for " + type);
              }
            });
    assertEquals(List.of(), failures, () -> String.join("\n", failures));
  }

  /** A UART transport whose serial port takes every byte and has none to read. */
  private static UartTransport uart() {
    SerialPort quiet = new SerialPort() {
      @Override
      public int write(byte[] src, int offset, int length) {
        return 0;
      }

      @Override
      public int read(byte[] dst, int offset, int length) {
        return 0;
      }
    };
    Name id = new Name();
    id.set(new byte[] {'u', '1'}, 0, 2);
    return new UartTransport(quiet, id, new byte[0], 0, new byte[0], 0);
  }

  /** The same after a CONNECT: publishes and subscriptions go out. */
  private static UartTransport connectedUart() {
    UartTransport transport = uart();
    transport.connect(new byte[] {'w'}, 1, new byte[4], 4);
    return transport;
  }
}
