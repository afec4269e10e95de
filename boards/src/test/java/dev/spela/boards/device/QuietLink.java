package dev.spela.boards.device;

/** A network that never answers: connections start and never complete, publishes go nowhere. */
class QuietLink implements DeviceLink {

  @Override
  public boolean isCurrent(Object connection) {
    return false;
  }

  @Override
  public void drop() {}

  @Override
  public int connect(byte[] willTopic, int willTopicLength, byte[] will, int willLength) {
    return 0;
  }

  @Override
  public int subscribe(byte[] topic, int topicLength) {
    return 0;
  }

  @Override
  public int publish(byte[] topic, int topicLength, byte[] payload, int offset, int length, int qos) {
    return 0;
  }

  @Override
  public int inFlight() {
    return 0;
  }

  @Override
  public int disconnect() {
    return 0;
  }
}
