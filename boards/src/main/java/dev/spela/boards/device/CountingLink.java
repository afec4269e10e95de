package dev.spela.boards.device;

import dev.spela.protocols.fleet.FleetProtocol;
import java.util.concurrent.atomic.AtomicLong;

/** A device link that counts the DATA records it was given to send (the agent's records sent). */
final class CountingLink implements DeviceLink {

  private final DeviceLink link;
  private final AtomicLong records = new AtomicLong();

  CountingLink(DeviceLink link) {
    this.link = link;
  }

  /** DATA records the link accepted for delivery. */
  long records() {
    return records.get();
  }

  @Override
  public int publish(byte[] topic, int topicLength, byte[] payload, int offset, int length, int qos) {
    int status = link.publish(topic, topicLength, payload, offset, length, qos);
    if (status == 0 && length > FleetProtocol.H_TYPE && payload[offset + FleetProtocol.H_TYPE] == FleetProtocol.DATA) {
      records.incrementAndGet();
    }
    return status;
  }

  @Override
  public int connect(byte[] willTopic, int willTopicLength, byte[] willPayload, int willLength) {
    return link.connect(willTopic, willTopicLength, willPayload, willLength);
  }

  @Override
  public int subscribe(byte[] topic, int topicLength) {
    return link.subscribe(topic, topicLength);
  }

  @Override
  public int inFlight() {
    return link.inFlight();
  }

  @Override
  public int disconnect() {
    return link.disconnect();
  }

  @Override
  public boolean isCurrent(Object connection) {
    return link.isCurrent(connection);
  }

  @Override
  public void drop() {
    link.drop();
  }
}
