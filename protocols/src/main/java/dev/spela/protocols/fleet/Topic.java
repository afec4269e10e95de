package dev.spela.protocols.fleet;

/**
 * The v2 topic namespace (PROTOCOL.md, "Topics"), written into and parsed from byte arrays without
 * allocation:
 *
 * <pre>
 * spela/v2/&lt;group&gt;/&lt;TOKEN&gt;/&lt;deviceId&gt;   TOKEN: BIRTH DEATH DATA ACK IMGRSP CMD IMG
 * spela/v2/STATE/&lt;hostId&gt;
 * spela/v2/PROVISION/REQ/&lt;claimId&gt;
 * spela/v2/PROVISION/REPLY/&lt;claimId&gt;
 * </pre>
 *
 * An instance is a parser: {@link #parse} a received topic, then read its kind and compare or copy
 * its group and id. The group and id of a parsed topic point into the parsed bytes.
 */
public final class Topic {

  // Topic kinds. 1 .. 7 are device topics (group and device id), 8 .. 10 are not.
  public static final int BIRTH = 1;
  public static final int DEATH = 2;
  public static final int DATA = 3;
  public static final int ACK = 4;

  /** Device -> host image transfer: BLOCK_REQUEST and VERDICT. */
  public static final int IMAGE_REPLY = 5;

  public static final int COMMAND = 6;

  /** Host -> device image transfer: OFFER and BLOCK. */
  public static final int IMAGE = 7;

  public static final int STATE = 8;
  public static final int CLAIM_REQUEST = 9;
  public static final int CLAIM_REPLY = 10;

  /** Longest v2 topic: a device topic with a 32-byte group, IMGRSP and a 32-byte device id. */
  public static final int MAX_LENGTH = 81;

  private static final byte[] PREFIX = {'s', 'p', 'e', 'l', 'a', '/', 'v', '2', '/'};
  private static final byte[] STATE_SEGMENT = {'S', 'T', 'A', 'T', 'E'};
  private static final byte[] PROVISION_SEGMENT = {'P', 'R', 'O', 'V', 'I', 'S', 'I', 'O', 'N'};

  /** The segment of each kind: TOKEN of device topics, REQ / REPLY under PROVISION. */
  private static final byte[][] TOKENS = {
    {},
    {'B', 'I', 'R', 'T', 'H'},
    {'D', 'E', 'A', 'T', 'H'},
    {'D', 'A', 'T', 'A'},
    {'A', 'C', 'K'},
    {'I', 'M', 'G', 'R', 'S', 'P'},
    {'C', 'M', 'D'},
    {'I', 'M', 'G'},
    STATE_SEGMENT,
    {'R', 'E', 'Q'},
    {'R', 'E', 'P', 'L', 'Y'},
  };

  private static final byte SLASH = '/';

  private byte[] topic;
  private int kind;
  private int groupOffset;
  private int groupLength;
  private int idOffset;
  private int idLength;

  /**
   * Writes a topic of the given kind at {@code out[at..]}. {@code group} is used by device topics
   * only (it may be null for the others); {@code id} is the device, host or claim id.
   *
   * @return the topic length, {@link FleetStatus#BAD_FIELD} for an unknown kind, an empty name or a
   *     reserved group (STATE, PROVISION), {@link FleetStatus#NO_SPACE} if it does not fit
   */
  public static int write(byte[] out, int at, int kind, Name group, Name id) {
    if (kind < BIRTH || kind > CLAIM_REPLY || id.length() == 0) {
      return FleetStatus.BAD_FIELD;
    }
    boolean device = isDeviceTopic(kind);
    if (device && (group == null || group.length() == 0 || isReservedGroup(group))) {
      return FleetStatus.BAD_FIELD;
    }
    byte[] token = TOKENS[kind];
    int length =
        PREFIX.length
            + id.length()
            + (kind == STATE
                ? STATE_SEGMENT.length + 1
                : (device ? group.length() : PROVISION_SEGMENT.length) + token.length + 2);
    if (out == null || at < 0 || at > out.length - length) {
      return FleetStatus.NO_SPACE;
    }
    int p = put(out, at, PREFIX);
    if (kind != STATE) {
      if (device) {
        p += group.writeRaw(out, p);
      } else {
        p = put(out, p, PROVISION_SEGMENT);
      }
      out[p++] = SLASH;
    }
    p = put(out, p, token);
    out[p++] = SLASH;
    id.writeRaw(out, p);
    return length;
  }

  /** True for the kinds written as {@code spela/v2/<group>/<TOKEN>/<deviceId>}. */
  public static boolean isDeviceTopic(int kind) {
    return kind >= BIRTH && kind <= IMAGE;
  }

  /** STATE and PROVISION cannot be group names: they start the other topic forms. */
  public static boolean isReservedGroup(Name group) {
    return group.equalTo(STATE_SEGMENT, 0, STATE_SEGMENT.length)
        || group.equalTo(PROVISION_SEGMENT, 0, PROVISION_SEGMENT.length);
  }

  /**
   * Parses a received topic. Returns {@link FleetStatus#OK} or {@link FleetStatus#BAD_TOPIC}
   * (anything outside the v2 namespace, including wrong case, empty or over-long segments, bytes
   * outside the name alphabet, and extra or missing levels); {@link FleetStatus#BAD_ARGUMENT} for a
   * range outside the array.
   */
  public int parse(byte[] topic, int offset, int length) {
    kind = 0;
    this.topic = topic;
    groupOffset = groupLength = idOffset = idLength = 0;
    if (topic == null || offset < 0 || length < 0 || offset > topic.length - length) {
      return FleetStatus.BAD_ARGUMENT;
    }
    int end = offset + length;
    if (!startsWith(topic, offset, end, PREFIX)) {
      return FleetStatus.BAD_TOPIC;
    }
    int first = offset + PREFIX.length;
    int firstEnd = segmentEnd(topic, first, end);
    if (firstEnd == end) {
      return FleetStatus.BAD_TOPIC;
    }
    int second = firstEnd + 1;
    int secondEnd = segmentEnd(topic, second, end);
    int found;
    int last;
    if (equal(topic, first, firstEnd, STATE_SEGMENT)) {
      found = STATE;
      last = second;
    } else {
      if (secondEnd == end) {
        return FleetStatus.BAD_TOPIC;
      }
      boolean provision = equal(topic, first, firstEnd, PROVISION_SEGMENT);
      found =
          provision
              ? tokenKind(topic, second, secondEnd, CLAIM_REQUEST, CLAIM_REPLY)
              : tokenKind(topic, second, secondEnd, BIRTH, IMAGE);
      if (found == 0 || !provision && !Name.isValid(topic, first, firstEnd - first)) {
        return FleetStatus.BAD_TOPIC;
      }
      if (!provision) {
        groupOffset = first;
        groupLength = firstEnd - first;
      }
      last = secondEnd + 1;
    }
    if (!Name.isValid(topic, last, end - last)) {
      groupLength = 0;
      return FleetStatus.BAD_TOPIC;
    }
    idOffset = last;
    idLength = end - last;
    kind = found;
    return FleetStatus.OK;
  }

  /** The parsed topic's kind, 0 if the last parse failed. */
  public int kind() {
    return kind;
  }

  /** True if the parsed topic's group (device topics) equals {@code group}. */
  public boolean groupIs(Name group) {
    return groupLength > 0 && group.equalTo(topic, groupOffset, groupLength);
  }

  /** True if the parsed topic's device, host or claim id equals {@code id}. */
  public boolean idIs(Name id) {
    return idLength > 0 && id.equalTo(topic, idOffset, idLength);
  }

  /** Copies the group of a parsed device topic; {@link FleetStatus#BAD_FIELD} if there is none. */
  public int group(Name out) {
    return groupLength > 0 ? out.set(topic, groupOffset, groupLength) : FleetStatus.BAD_FIELD;
  }

  /** Copies the device, host or claim id; {@link FleetStatus#BAD_FIELD} if the parse failed. */
  public int id(Name out) {
    return idLength > 0 ? out.set(topic, idOffset, idLength) : FleetStatus.BAD_FIELD;
  }

  private static int tokenKind(byte[] b, int from, int to, int firstKind, int lastKind) {
    for (int k = firstKind; k <= lastKind; k++) {
      if (equal(b, from, to, TOKENS[k])) {
        return k;
      }
    }
    return 0;
  }

  private static int segmentEnd(byte[] b, int from, int end) {
    int p = from;
    while (p < end && b[p] != SLASH) {
      p++;
    }
    return p;
  }

  private static boolean startsWith(byte[] b, int from, int end, byte[] expected) {
    return end - from >= expected.length && equal(b, from, from + expected.length, expected);
  }

  private static boolean equal(byte[] b, int from, int to, byte[] expected) {
    if (to - from != expected.length) {
      return false;
    }
    for (int k = 0; k < expected.length; k++) {
      if (b[from + k] != expected[k]) {
        return false;
      }
    }
    return true;
  }

  private static int put(byte[] out, int at, byte[] bytes) {
    System.arraycopy(bytes, 0, out, at, bytes.length);
    return at + bytes.length;
  }
}
