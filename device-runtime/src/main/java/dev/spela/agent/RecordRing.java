package dev.spela.agent;

import dev.spela.protocols.subset.SteadyState;

/**
 * The device's bounded buffer of DATA records (PROTOCOL.md section 9, "Store and forward"): a ring
 * of fixed-size slots, each holding one encoded DATA message. Records are taken at the tail; the
 * oldest are sent first; a record leaves the ring when the broker has acknowledged it. Records
 * [head, head + sent) are published on the current connection and wait for their acknowledgement;
 * [head + sent, tail) wait to be sent. When the ring is full, the oldest record is dropped (the
 * caller counts it). Device code: allocates only when built.
 */
@SteadyState
final class RecordRing {

  private final byte[] slots;
  private final int[] lengths;
  private final int slotLength;
  private final int capacity;

  private int head;
  private int size;
  private int sent;
  /** Sent records dropped (the ring was full) whose acknowledgements are still to come. */
  private int droppedInFlight;

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

  /** Records in the ring, sent or not. */
  int size() {
    return size;
  }

  /** Records not yet sent on this connection. */
  int unsent() {
    return size - sent;
  }

  byte[] buffer() {
    return slots;
  }

  int slotLength() {
    return slotLength;
  }

  /**
   * Makes room for a record at the tail, dropping the oldest if the ring is full; returns true if
   * one was dropped. The record is written at {@link #tailOffset} and added by {@link #add}.
   */
  boolean makeRoom() {
    if (size < capacity) {
      return false;
    }
    if (sent > 0) {
      sent--;
      droppedInFlight++;
    }
    head = next(head);
    size--;
    return true;
  }

  /** Where the next record goes (after {@link #makeRoom}). */
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

  /** Where the oldest record not yet sent is; call only while {@link #unsent} is above 0. */
  int nextUnsentOffset() {
    return slot(head + sent) * slotLength;
  }

  int nextUnsentLength() {
    return lengths[slot(head + sent)];
  }

  /** The record at {@link #nextUnsentOffset} was published. */
  void markSent() {
    if (sent < size) {
      sent++;
    }
  }

  /** The broker acknowledged the oldest DATA publish still unacknowledged. */
  void acknowledged() {
    if (droppedInFlight > 0) {
      droppedInFlight--;
    } else if (sent > 0) {
      head = next(head);
      size--;
      sent--;
    }
  }

  /** Empties the ring (a new boot: its records are numbered from 0 again). */
  void clear() {
    head = 0;
    size = 0;
    sent = 0;
    droppedInFlight = 0;
  }

  /** The connection is gone: what was sent and not acknowledged is sent again on the next one. */
  void connectionLost() {
    sent = 0;
    droppedInFlight = 0;
  }

  private int next(int index) {
    return index + 1 < capacity ? index + 1 : 0;
  }

  private int slot(int index) {
    return index >= capacity ? index - capacity : index;
  }
}
