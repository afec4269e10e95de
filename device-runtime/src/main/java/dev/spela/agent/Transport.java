package dev.spela.agent;

/**
 * The agent's network port: an MQTT connection as a function table (as mcumgr's SMP transports or
 * MCUboot's {@code boot_uart_funcs}). Calls return at once with a status (0 or negative) and never
 * throw; the adapter that owns the socket and its threads reports back by calling the agent's
 * {@link DeviceAgent#onConnected}, {@link DeviceAgent#onConnectionLost} and {@link
 * DeviceAgent#onMessage} on the agent's thread. Topics are ASCII bytes; payloads are copied (or
 * sent) before the call returns, so the agent may reuse its buffers at once.
 */
public interface Transport {

  /**
   * Starts a connection (clean session, the device id as client identifier) whose will is {@code
   * willPayload} on {@code willTopic}, QoS 1, not retained. Returns 0 if the attempt started; its
   * outcome comes later as onConnected or onConnectionLost.
   */
  int connect(byte[] willTopic, int willTopicLength, byte[] willPayload, int willLength);

  /** Subscribes to {@code topic} at QoS 1 (an established connection only). */
  int subscribe(byte[] topic, int topicLength);

  /** Publishes {@code payload[offset, offset + length)} on {@code topic}, not retained. */
  int publish(byte[] topic, int topicLength, byte[] payload, int offset, int length, int qos);

  /**
   * QoS 1 publishes of the current connection not yet acknowledged by the broker: 0 after {@link
   * #connect}, up by one for each QoS 1 publish that returned 0, down by one for each
   * acknowledgement (brokers acknowledge in publish order); a publish that fails without an
   * acknowledgement stays counted. The agent bounds its DATA by it and learns from it which
   * buffered records the broker has (PROTOCOL.md section 9).
   */
  int inFlight();

  /**
   * Closes the connection politely: what was published goes out first, then DISCONNECT (so the
   * broker does not publish the will). No onConnectionLost follows.
   */
  int disconnect();
}
