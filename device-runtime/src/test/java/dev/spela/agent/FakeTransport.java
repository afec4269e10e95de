package dev.spela.agent;

import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.image.LittleEndian;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** A transport that records what the agent does with it; the test plays the broker's part. */
final class FakeTransport implements Transport {

  /** A published message: topic, payload, QoS. */
  record Sent(String topic, byte[] payload, int qos) {
    int type() {
      return payload[FleetProtocol.H_TYPE] & 0xFF;
    }

    int seq() {
      return payload[FleetProtocol.H_SEQ] & 0xFF;
    }

    int bdSeq() {
      return LittleEndian.i32(payload, FleetProtocol.H_BD_SEQ);
    }

    int u32(int at) {
      return LittleEndian.i32(payload, at);
    }
  }

  final List<Sent> sent = new ArrayList<>();
  final List<String> subscriptions = new ArrayList<>();
  String willTopic;
  byte[] will;
  boolean connecting;
  int connects;
  int disconnects;
  int inFlight;
  /** The broker has stopped acknowledging: every QoS 1 publish from now on stays in flight. */
  boolean silent;

  @Override
  public int connect(byte[] willTopic, int willTopicLength, byte[] willPayload, int willLength) {
    this.willTopic = new String(willTopic, 0, willTopicLength, StandardCharsets.US_ASCII);
    will = Arrays.copyOf(willPayload, willLength);
    connecting = true;
    connects++;
    subscriptions.clear();
    return 0;
  }

  @Override
  public int subscribe(byte[] topic, int topicLength) {
    subscriptions.add(new String(topic, 0, topicLength, StandardCharsets.US_ASCII));
    return 0;
  }

  @Override
  public int publish(
      byte[] topic, int topicLength, byte[] payload, int offset, int length, int qos) {
    sent.add(
        new Sent(
            new String(topic, 0, topicLength, StandardCharsets.US_ASCII),
            Arrays.copyOfRange(payload, offset, offset + length),
            qos));
    if (silent && qos > 0) {
      inFlight++;
    }
    return 0;
  }

  @Override
  public int inFlight() {
    return inFlight;
  }

  @Override
  public int disconnect() {
    disconnects++;
    return 0;
  }

  /** The session of the current connection (from its will). */
  int bdSeq() {
    return LittleEndian.i32(will, FleetProtocol.H_BD_SEQ);
  }

  /** Messages of {@code type} published so far. */
  List<Sent> sent(int type) {
    return sent.stream().filter(s -> s.type() == type).collect(Collectors.toList());
  }

  Sent last(int type) {
    List<Sent> all = sent(type);
    return all.isEmpty() ? null : all.get(all.size() - 1);
  }
}
