package dev.spela.boards.device;

import dev.spela.agent.Transport;

/**
 * The network side of a virtual device's thread: the agent's {@link Transport}, plus what the
 * thread needs to tell a current connection's events from a closed one's and to drop a connection
 * (a power or network loss). {@link PahoTransport} is the one in use; tests bring their own.
 */
interface DeviceLink extends Transport {

  /** Where a link's events go: the device thread's queue. Must not block. */
  interface Events {
    void connected(Object connection);

    void lost(Object connection, String why);

    void message(String topic, byte[] payload);

    /** The broker acknowledged one QoS 1 publish of {@code connection}. */
    default void acknowledged(Object connection) {}
  }

  /** True if {@code connection} is the current connection. */
  boolean isCurrent(Object connection);

  /** Drops the connection without a DISCONNECT: the broker publishes the will. */
  void drop();
}
