package dev.spela.fleet;

import dev.spela.fleet.security.MessageKeys;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.HostStateMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * A host program's STATE (PROTOCOL.md section 7). The <em>primary</em> (monitor, demo) owns the
 * retained STATE and its will, with a session newer than any seen on its topic; it keeps that
 * session for the life of the program (an automatic reconnection re-sends the same will) and
 * announces itself again when its topic reports it offline (a late will, an old retained message).
 * When a newer primary of its host id that had taken over leaves (its STATE offline, a session
 * after this one's), it takes the devices back with a session after that one.
 * A <em>secondary</em> (a short command) announces itself online, not retained, with no will,
 * never offline: devices answer with a BIRTH and keep following their primary.
 */
final class HostRole {

  private final String topic;
  private final MessageKeys keys;
  private final boolean primary;
  /** A primary whose collectors send RECEIPTs: its STATE says so (PROTOCOL.md section 9). */
  private final boolean receipts;
  private volatile long session;
  private final AtomicLong largestSeen = new AtomicLong(Long.MIN_VALUE);
  private final CountDownLatch echo = new CountDownLatch(1);
  private final AtomicBoolean takenOver = new AtomicBoolean();

  private HostRole(String topic, MessageKeys keys, boolean primary, boolean receipts, long session) {
    this.topic = topic;
    this.keys = keys;
    this.primary = primary;
    this.receipts = receipts;
    this.session = session;
  }

  /**
   * A primary with a session after both now and {@code newerThan} (a session already seen); its
   * STATE is signed with {@code keys}' host key (null: unsigned, an {@code --insecure} fleet) and
   * announces {@code receipts}.
   */
  static HostRole primary(String topic, MessageKeys keys, long newerThan, boolean receipts) {
    return new HostRole(topic, keys, true, receipts, Math.max(System.currentTimeMillis(), newerThan + 1));
  }

  static HostRole secondary(String topic, MessageKeys keys) {
    return new HostRole(topic, keys, false, false, System.currentTimeMillis());
  }

  String topic() {
    return topic;
  }

  long session() {
    return session;
  }

  boolean retained() {
    return primary;
  }

  /** The primary's will (STATE offline, retained); a secondary has none. */
  HostConnection.Will will() {
    return primary ? new HostConnection.Will(topic, offline(), true) : null;
  }

  byte[] online() {
    return state(true);
  }

  byte[] offline() {
    return state(false);
  }

  /** A STATE, signed (PROTOCOL.md section 5; the counter is the signing time) in a secured fleet. */
  private byte[] state(boolean online) {
    byte[] buffer =
        new byte[
            FleetProtocol.HEADER_LENGTH
                + HostStateMessage.BODY_LENGTH
                + FleetProtocol.trailerLength(FleetProtocol.HOST_STATE)];
    HostStateMessage state = new HostStateMessage();
    state.wrapForEncode(buffer, 0, buffer.length, 0, 0);
    state.state(online, primary ? HostStateMessage.PRIMARY : HostStateMessage.SECONDARY, session)
        .stateFlags(receipts ? HostStateMessage.RECEIPTS : 0);
    if (keys != null) {
      state.authenticate(keys.nextCounter());
      byte[] signature = keys.sign(topic.getBytes(StandardCharsets.US_ASCII), buffer, state.signedLength());
      System.arraycopy(signature, 0, buffer, state.tagOffset(), signature.length);
    }
    return Arrays.copyOf(buffer, state.encodedLength());
  }

  /** The largest primary session seen on the topic other than this host's (MIN_VALUE: none). */
  long largestSeen() {
    return largestSeen.get();
  }

  /**
   * Waits until this host's own online STATE has come back on its topic (a retained STATE there
   * arrives before it), at most {@code timeout}.
   *
   * @return false if it had not within the time
   */
  boolean awaitOwnState(Duration timeout) throws InterruptedException {
    if (!echo.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      Logger.debug("own STATE not seen on {} within {} s", topic, timeout.toSeconds());
      return false;
    }
    return true;
  }

  /** What a host must do about a STATE on its topic ({@link #onState}). */
  enum Answer {
    NOTHING,
    /** Publish its STATE online again: it was reported offline (a late will, an old message). */
    ANNOUNCE,
    /**
     * A newer primary of this host id left: take a session after its own, with a will naming that
     * session, and announce it (the devices follow the newest session only).
     */
    TAKE_OVER
  }

  /**
   * A session after {@code left} (the session of a newer primary that left) and after now: this
   * host's session from here on; its will must name it.
   */
  void takeOverFrom(long left) {
    session = Math.max(System.currentTimeMillis(), left + 1);
    takenOver.set(false);
  }

  /** Takes a STATE from the topic (decoded) and says what this host must do about it. */
  Answer onState(HostStateMessage state) {
    int role = state.role();
    boolean own = role == (primary ? HostStateMessage.PRIMARY : HostStateMessage.SECONDARY)
        && state.session() == session;
    if (own && state.online()) {
      echo.countDown();
      return Answer.NOTHING;
    }
    if (!primary || role != HostStateMessage.PRIMARY) {
      return Answer.NOTHING;
    }
    if (!own) {
      largestSeen.accumulateAndGet(state.session(), Math::max);
    }
    if (state.online() && state.session() > session && echo.getCount() == 0
        && takenOver.compareAndSet(false, true)) {
      Logger.warn("another primary host took over {} (session {}): devices follow it until it leaves",
          topic, state.session());
    }
    if (state.online()) {
      return Answer.NOTHING;
    }
    if (state.session() <= session) {
      return Answer.ANNOUNCE;
    }
    // Before its own STATE came back, a larger session is the opening's to beat (FleetHost.open).
    return echo.getCount() == 0 ? Answer.TAKE_OVER : Answer.NOTHING;
  }
}
