package dev.spela.agent;

import dev.spela.protocols.fleet.DataMessage;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.fleet.ReceiptMessage;
import dev.spela.protocols.image.LittleEndian;
import dev.spela.protocols.subset.SteadyState;

/**
 * The device's bounded buffer of DATA records (PROTOCOL.md section 9, "Store and forward"): a ring
 * of fixed-size slots, each holding one encoded DATA message, taken at the tail and sent oldest
 * first. In ring order from the head:
 *
 * <pre>
 *   [0, sent)        sent on this connection: in flight, or already stored (a receipt named it)
 *   [sent, everSent) sent on an earlier connection (or before a re-send), not released: to send again
 *   [everSent, size) never sent
 * </pre>
 *
 * A record leaves when it is released: by a receipt that names it, in any order (its slot is
 * marked in the sign bit of its length, and the head advances over marked slots), or, without
 * receipts, by the broker's acknowledgement of the oldest publish in flight. When the ring is full,
 * a stored record still behind an unreleased one gives up its slot ({@link #hasRoom}: the agent
 * holds its window open while there is none); for a record that cannot wait, the oldest record
 * never sent is dropped, so that a record the collector may have stored is never counted as
 * dropped. Device code: allocates only when built.
 */
@SteadyState
final class RecordRing {

  /** Marks a slot whose record a receipt named: it leaves once the records before it have. */
  private static final int STORED = Integer.MIN_VALUE;

  private static final int RECORD_COUNTER =
      FleetProtocol.HEADER_LENGTH + DataMessage.RECORD_COUNTER;

  private final byte[] slots;
  private final int[] lengths;
  private final int slotLength;
  private final int capacity;

  private int head;
  private int size;
  private int sent;
  private int everSent;
  /** Records of [0, sent) not marked stored: those the broker or the collector still has to take. */
  private int inFlight;

  /** A ring of {@code capacity} (at least 1) records of at most {@code slotLength} bytes each. */
  RecordRing(int capacity, int slotLength) {
    this.capacity = Math.max(1, capacity);
    this.slotLength = Math.max(1, slotLength);
    slots = new byte[this.capacity * this.slotLength];
    lengths = new int[this.capacity];
  }

  /** The bytes of the two arrays a ring of {@code capacity} slots of {@code slotLength} holds. */
  static int bytes(int capacity, int slotLength) {
    int records = Math.max(1, capacity);
    return records * Math.max(1, slotLength) + 4 * records;
  }

  int capacity() {
    return capacity;
  }

  /** Records in the ring, sent or not (stored ones behind an unreleased one included). */
  int size() {
    return size;
  }

  /** Records not yet sent on this connection. */
  int unsent() {
    return size - sent;
  }

  /** Records sent on this connection and not yet released. */
  int inFlight() {
    return inFlight;
  }

  byte[] buffer() {
    return slots;
  }

  int slotLength() {
    return slotLength;
  }

  /**
   * Makes room for a record at the tail. Returns 0 if there was room, or a stored record waiting
   * behind an unreleased one gave up its slot; 1 if the oldest record never sent was dropped for
   * it; -1 if every record left the device at least once and none is stored (none may be dropped):
   * then the new record is the one dropped, and must not be added.
   */
  int makeRoom() {
    if (size < capacity) {
      return 0;
    }
    int stored = firstStoredBehindHead();
    if (stored > 0) {
      remove(stored);
      everSent--;
      if (stored < sent) {
        sent--;
      }
      return 0;
    }
    if (everSent >= size) {
      return -1;
    }
    remove(everSent);
    return 1;
  }

  /** Whether a record can be added without dropping one ({@link #makeRoom} would return 0). */
  boolean hasRoom() {
    return size < capacity || firstStoredBehindHead() > 0;
  }

  /** The index from the head of the first stored record behind the head, or 0 if none. */
  private int firstStoredBehindHead() {
    for (int k = 1; k < everSent; k++) { // the head is never stored: it would have left
      if (lengths[slot(head + k)] < 0) {
        return k;
      }
    }
    return 0;
  }

  /** Removes the record at {@code index} from the head: those before it move one slot on. */
  private void remove(int index) {
    for (int k = index; k > 0; k--) {
      int to = slot(head + k);
      int from = slot(head + k - 1);
      System.arraycopy(slots, from * slotLength, slots, to * slotLength, slotLength);
      lengths[to] = lengths[from];
    }
    head = next(head);
    size--;
  }

  /** Where the next record goes (after {@link #makeRoom} returned 0 or 1). */
  int tailOffset() {
    return slot(head + size) * slotLength;
  }

  /** Adds the record of {@code length} bytes written at {@link #tailOffset}. */
  void add(int length) {
    if (size < capacity && length > 0 && length <= slotLength) {
      lengths[slot(head + size)] = length;
      size++;
    }
  }

  /**
   * True if a record waits to be sent on this connection; skips those stored meanwhile (a receipt
   * that came after they were sent on an earlier connection).
   */
  boolean hasUnsent() {
    while (sent < size && lengths[slot(head + sent)] < 0) {
      advanceSent();
    }
    return sent < size;
  }

  /** Where the oldest record not yet sent is; call only after {@link #hasUnsent} returned true. */
  int nextUnsentOffset() {
    return slot(head + sent) * slotLength;
  }

  int nextUnsentLength() {
    return lengths[slot(head + sent)];
  }

  /** The record at {@link #nextUnsentOffset} was published: it is in flight. */
  void markSent() {
    if (sent < size) {
      advanceSent();
      inFlight++;
    }
  }

  private void advanceSent() {
    sent++;
    if (everSent < sent) {
      everSent = sent;
    }
  }

  /** Without receipts: the broker acknowledged the oldest DATA publish of this connection. */
  void acknowledged() {
    if (inFlight > 0) {
      lengths[head] |= STORED; // the head is that publish: stored ones never stay at the head
      inFlight--;
      releaseStored();
    }
  }

  /**
   * A receipt of this boot: marks every record it names that left the device, wherever it is in
   * the ring, and releases the stored ones at the head.
   *
   * @return records newly marked
   */
  int stored(ReceiptMessage receipt) {
    int marked = 0;
    for (int k = 0; k < everSent; k++) {
      int index = slot(head + k);
      if (lengths[index] >= 0
          && receipt.names(LittleEndian.i32(slots, index * slotLength + RECORD_COUNTER))) {
        lengths[index] |= STORED;
        marked++;
        if (k < sent) {
          inFlight--;
        }
      }
    }
    releaseStored();
    return marked;
  }

  private void releaseStored() {
    while (size > 0 && lengths[head] < 0) {
      head = next(head);
      size--;
      everSent--;
      if (sent > 0) {
        sent--;
      }
    }
  }

  /** Empties the ring (a new boot: its records are numbered from 0 again). */
  void clear() {
    head = 0;
    size = 0;
    sent = 0;
    everSent = 0;
    inFlight = 0;
  }

  /**
   * The connection is gone, or the collector may have lost what was sent: every record sent and
   * not released is sent again, oldest first.
   */
  void sendAgain() {
    sent = 0;
    inFlight = 0;
  }

  private int next(int index) {
    return index + 1 < capacity ? index + 1 : 0;
  }

  private int slot(int index) {
    return index >= capacity ? index - capacity : index;
  }
}
