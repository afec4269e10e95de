package dev.spela.fleet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EmbeddedBrokerTest {

  @Test
  void carriesMqtt5MessagesOnLoopbackAndFreesThePortWhenClosed() throws Exception {
    int port;
    try (EmbeddedBroker broker = EmbeddedBroker.start()) {
      port = broker.port();
      BlockingQueue<byte[]> received = new ArrayBlockingQueue<>(1);
      try (HostConnection client =
          HostConnection.connect(broker.url(), "probe", null, (topic, payload) -> received.add(payload))) {
        client.subscribe("spela/test", 1);
        byte[] payload = "hello".getBytes(StandardCharsets.US_ASCII);
        client.publish("spela/test", payload, 1, false);
        assertArrayEquals(payload, received.poll(20, TimeUnit.SECONDS));
      }
    }
    assertFalse(accepts(port), "the listener is gone after close");
  }

  @Test
  void aTakenPortIsAnErrorNotASilentBroker() throws Exception {
    try (EmbeddedBroker first = EmbeddedBroker.start()) {
      IOException error = assertThrows(IOException.class, () -> EmbeddedBroker.start(first.port()));
      assertTrue(error.getMessage().contains(String.valueOf(first.port())), error.getMessage());
    }
  }

  private static boolean accepts(int port) {
    try {
      new Socket(InetAddress.getLoopbackAddress(), port).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
