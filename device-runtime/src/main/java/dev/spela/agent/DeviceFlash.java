package dev.spela.agent;

import dev.spela.protocols.storage.FlashRegion;

/**
 * The device's flash map, as MCUboot's flash areas: two image slots (A/B: the running image and the
 * one being received), two checkpoint areas written alternately (a header, then an image; a device
 * whose flash has no room for the second keeps one) and two copies of the state record written
 * alternately (a small erase unit each, such as the settings pages of a firmware). Each area is a
 * {@link FlashRegion} of its own, numbered as below.
 */
public final class DeviceFlash {

  public static final int SLOT_0 = 0;
  public static final int SLOT_1 = 1;
  public static final int CHECKPOINT_0 = 2;
  public static final int CHECKPOINT_1 = 3;
  public static final int STATE_0 = 4;
  public static final int STATE_1 = 5;
  public static final int AREAS = 6;

  /** Slots and state records: two of each (and of checkpoints, room permitting). */
  public static final int COPIES = 2;

  private final FlashRegion[] areas = new FlashRegion[AREAS];

  /** The areas; {@code checkpoint1} may be null (one checkpoint is kept). */
  public DeviceFlash(
      FlashRegion slot0,
      FlashRegion slot1,
      FlashRegion checkpoint0,
      FlashRegion checkpoint1,
      FlashRegion state0,
      FlashRegion state1) {
    areas[SLOT_0] = slot0;
    areas[SLOT_1] = slot1;
    areas[CHECKPOINT_0] = checkpoint0;
    areas[CHECKPOINT_1] = checkpoint1;
    areas[STATE_0] = state0;
    areas[STATE_1] = state1;
  }

  /** Area {@code id} ({@link #SLOT_0} .. {@link #STATE_1}). */
  public FlashRegion area(int id) {
    return areas[id];
  }

  public FlashRegion slot(int slot) {
    return areas[SLOT_0 + slot];
  }

  public FlashRegion checkpoint(int copy) {
    return areas[CHECKPOINT_0 + copy];
  }

  public FlashRegion state(int copy) {
    return areas[STATE_0 + copy];
  }

  /** The largest image both slots take. */
  public int slotBytes() {
    return Math.min(areas[SLOT_0].size(), areas[SLOT_1].size());
  }

  /** Checkpoint areas present: 2, or 1 if the second is absent. */
  public int checkpointCopies() {
    return areas[CHECKPOINT_1] == null ? 1 : 2;
  }
}
