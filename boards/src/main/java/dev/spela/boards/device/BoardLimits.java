package dev.spela.boards.device;

import dev.spela.boards.BoardPlan;
import dev.spela.boards.BoardProfile;
import dev.spela.protocols.fleet.FleetProtocol;
import dev.spela.runtime.MemoryPlan;

/**
 * What a board's profile means for its virtual twin: the fit rule (the boards module's
 * {@link BoardPlan}), the flash slot size and the largest image block it can buffer.
 */
public record BoardLimits(BoardProfile board) {

  /**
   * Flash left to SPELA after the firmware, split in three equal sector-aligned parts (two image
   * slots and the checkpoint area, as {@link BoardPlan} counts them): one part.
   */
  public long slotBytes() {
    long free = board.flashBytes() - board.reservedFlashBytes();
    long part = free / (BoardPlan.IMAGE_SLOTS + 1);
    return part - part % board.flashSectorBytes();
  }

  /** log2 of the board's image block buffer, within the protocol's 10 .. 12. */
  public int maxBlockLog2() {
    int log2 = 31 - Integer.numberOfLeadingZeros(board.protocolBuffers().imageBlockBytes());
    return Math.max(FleetProtocol.MIN_BLOCK_LOG2, Math.min(FleetProtocol.MAX_BLOCK_LOG2, log2));
  }

  /** The boards module's rule: a model that does not fit RAM or flash is refused with the plan's reason. */
  public VirtualBoard.FitRule fitRule() {
    return model -> {
      BoardPlan plan = BoardPlan.of(board, model);
      return plan.fits() ? null : plan.reason();
    };
  }

  public long ramUsed(MemoryPlan model) {
    return BoardPlan.of(board, model).ram().total();
  }

  /** Flash SPELA occupies: two slots and the checkpoint area for this model. */
  public long flashUsed(MemoryPlan model) {
    BoardPlan.Flash flash = BoardPlan.of(board, model).flash();
    return flash.total() - flash.firmware();
  }

  public long flashBudget() {
    return board.flashBytes() - board.reservedFlashBytes();
  }
}
