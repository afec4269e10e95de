package dev.spela.boards.device;

import dev.spela.agent.Checkpoints;
import dev.spela.boards.BoardPlan;
import dev.spela.boards.BoardProfile;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.runtime.MemoryPlan;

/**
 * What a board's profile means for its virtual twin: the capacity its runtime's arena is allocated
 * for at boot (the widest {@code inputs-H-34} model the boards module's {@link BoardPlan} fits on
 * the board), its flash map (slot size, one or two checkpoint areas) and the largest image block
 * it can buffer.
 */
public record BoardLimits(BoardProfile board) {

  /** Hidden widths tried for the capacity, widest first. */
  private static final int[] HIDDEN = {1024, 768, 512, 384, 256, 192, 128, 96, 64, 48, 32, 16};

  /** The capacity's last layer: wide enough for the class vectors of every shipped model. */
  public static final int CAPACITY_OUTPUTS = 34;

  /** Each state record copy's area: a small erase unit of the firmware's settings storage. */
  public static final int STATE_AREA_BYTES = 4096;

  /**
   * The flash map of a virtual board: every slot and checkpoint area is {@code slotBytes};
   * {@code checkpoints} areas (2, or 1 where the flash has no room for a fourth area the size of
   * the capacity's image).
   */
  public record Layout(int slotBytes, int checkpoints) {
    /** Flash the map takes: two slots, the checkpoint areas (the state records excluded). */
    public long bytes() {
      return (long) (2 + checkpoints) * slotBytes;
    }
  }

  /**
   * The arena a virtual board allocates at boot: the widest {@code inputSize-H-34} whose plan fits
   * the board's RAM and flash, for {@code classes} classes; null if not even H = 16 fits.
   */
  public MemoryPlan capacity(int inputSize, int classes) {
    for (int hidden : HIDDEN) {
      MemoryPlan plan = new MemoryPlan();
      if (plan.setShape(inputSize, classes, new int[] {hidden, CAPACITY_OUTPUTS}, 2, 0) == ImageStatus.OK
          && BoardPlan.of(board, plan).fits()) {
        return plan;
      }
    }
    return null;
  }

  /** The flash map for this capacity within the flash the board leaves to SPELA. */
  public Layout layout(MemoryPlan capacity) {
    long sector = board.flashSectorBytes();
    long free = flashBudget();
    long needed = ModelImage.imageSize(capacity.inputSize(), capacity.classes(), outputs(capacity), capacity.layers(),
        ModelImage.FLAG_INPUT_STATISTICS) + Checkpoints.IMAGE_OFFSET;
    long four = free / 4 - free / 4 % sector;
    if (four >= needed) {
      return new Layout((int) Math.min(Integer.MAX_VALUE - sector, four), 2);
    }
    long three = free / 3 - free / 3 % sector;
    return new Layout((int) Math.min(Integer.MAX_VALUE - sector, three), 1);
  }

  /** log2 of the board's image block buffer, within the protocol's 10 .. 12. */
  public int maxBlockLog2() {
    int log2 = 31 - Integer.numberOfLeadingZeros(board.protocolBuffers().imageBlockBytes());
    return Math.max(FleetProtocol.MIN_BLOCK_LOG2, Math.min(FleetProtocol.MAX_BLOCK_LOG2, log2));
  }

  /** Why the board cannot train {@code model} (the boards module's plan), or null if it can. */
  public String refusal(MemoryPlan model) {
    BoardPlan plan = BoardPlan.of(board, model);
    return plan.fits() ? null : plan.reason();
  }

  /** RAM the board's plan needs for the arena's capacity (runtime, protocol buffers, system). */
  public long ramUsed(MemoryPlan capacity) {
    return BoardPlan.of(board, capacity).ram().total();
  }

  public long flashBudget() {
    return board.flashBytes() - board.reservedFlashBytes();
  }

  private static int[] outputs(MemoryPlan plan) {
    int[] outputs = new int[plan.layers()];
    for (int k = 0; k < outputs.length; k++) {
      outputs[k] = plan.outputs(k);
    }
    return outputs;
  }
}
