package dev.spela.boards;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.spela.agent.AgentConfig;
import dev.spela.agent.Checkpoints;
import dev.spela.agent.DeviceAgent;
import dev.spela.boards.firmware.FirmwareOverhead;
import dev.spela.protocols.image.ModelImage;
import dev.spela.runtime.MemoryPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * What training one model on one board takes, and whether it fits: the single place the fit rule
 * lives (boards/BOARDS.md, "The plan"). Built from the runtime's own {@link MemoryPlan}, so the
 * byte counts are the ones the runtime allocates.
 *
 * <p>RAM holds everything the runtime allocates ({@link MemoryPlan#ramBytes}: its arena, I/O
 * buffers and fixed arrays; priors and frozen weights are read in place from the image in flash),
 * the buffers around it, what the VM running it costs for the chosen {@link Target} (object
 * headers, the VM's own structures, the stack) and the board's system reservation; it fits if the
 * total is at most the board's SRAM. Flash holds the firmware, two
 * image slots (the running image and the one being received) and one checkpoint area, each rounded
 * up to whole erase sectors; it fits if the total is at most the board's flash.
 *
 * @param board the board's id
 * @param model the layer widths, input first, as {@code 784-128-34}
 * @param reason why it does not fit (RAM, flash or both), or null when it fits
 */
public record BoardPlan(
    String board,
    Target target,
    String model,
    int inputSize,
    int classes,
    List<Layer> layers,
    Ram ram,
    Flash flash,
    Backprop backprop,
    Time time,
    boolean fits,
    @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {

  /**
   * What runs the device code, and so what it costs besides the runtime's arrays
   * (boards/BOARDS.md, "The plan").
   */
  public enum Target {
    /**
     * The runtime compiled to native code by TeaVM (spela firmware build): TeaVM's array headers,
     * heap bookkeeping, class structures and the stack, measured on the firmware.
     */
    FIRMWARE,
    /** An embedded JVM: the board profile's stated engine, stack and header model. */
    JVM
  }

  /** Image slots: the model in use and the one being received (A/B, as in MCUboot). */
  public static final int IMAGE_SLOTS = 2;

  /**
   * One layer, numbered from 1 (the first after the input) as everywhere users see layers: its
   * arena bytes and its multiply-accumulates per sample. Forward MACs are the dense
   * product (inputs x outputs) and the cosines against every class's prior (classes x outputs);
   * update MACs are the weight update (inputs x outputs) and the bias update (outputs), none when
   * frozen.
   */
  public record Layer(
      int layer,
      int inputs,
      int outputs,
      boolean frozen,
      long weightBytes,
      long biasBytes,
      long priorBytes,
      long forwardMacs,
      long updateMacs) {}

  /**
   * RAM in bytes. {@code weights} counts trainable layers only; the arena parts and {@code
   * ioBuffers} come from {@link MemoryPlan}, {@code runtimeFixed} is {@link
   * MemoryPlan#FIXED_BYTES}; {@code firmwareBuffers} are the firmware program's own (a sample, a
   * block to read its written image back); {@code protocolBuffers} the fleet protocol's and {@code
   * telemetryBuffer} the agent's store-and-forward records (the embedded-JVM target, which carries
   * the fleet agent: {@link AgentConfig#DEFAULT_RECORD_BUFFER} records, PROTOCOL.md section 9). The
   * VM: {@code vmHeaders} (a header on
   * every array and object), {@code vmObjects} (objects besides the runtime's arrays), {@code
   * vmHeap} (the heap's own bookkeeping), {@code vmStatic} (the VM's engine, or TeaVM's class
   * structures and static data) and {@code stack}. {@code system} is the board's reservation;
   * {@code capacity} is the board's SRAM; {@code device} is the total less {@code system}: what the
   * device code itself needs (the firmware's RAM budget is SRAM less the system's share).
   */
  public record Ram(
      long weights,
      long biases,
      long activations,
      long noise,
      long bookkeeping,
      long ioBuffers,
      long runtimeFixed,
      long firmwareBuffers,
      long protocolBuffers,
      long telemetryBuffer,
      long vmHeaders,
      long vmObjects,
      long vmHeap,
      long vmStatic,
      long stack,
      long system,
      long device,
      long total,
      long capacity,
      boolean fits) {}

  /**
   * Flash in bytes: {@code firmware} (the board's reservation), {@code imageSlots} slots and one
   * checkpoint area of {@code slot} bytes each ({@code image} and a checkpoint header rounded up to
   * whole sectors; a device keeps a second checkpoint area where the flash has room). {@code
   * readInPlace} (frozen layers' weights and every prior) is read from the running image: part of
   * it, not extra.
   */
  public record Flash(
      long firmware,
      long image,
      long slot,
      int imageSlots,
      long checkpoint,
      long total,
      long capacity,
      boolean fits,
      long readInPlace) {}

  /**
   * Per-sample backpropagation on the same network and number formats instead ({@link
   * MemoryPlan#backpropBytes}): {@code model} bytes plus the same I/O buffers, fixed arrays,
   * VM, protocol and system RAM make {@code total}.
   */
  public record Backprop(long model, long total, boolean fits) {}

  /** Time per sample at the board's MAC rate and clock. */
  public record Time(
      double macsPerCycle,
      long clockHz,
      long trainMacs,
      long inferenceMacs,
      double trainStepMillis,
      double inferenceMillis) {}

  /** The plan on an embedded JVM (the virtual device's target). */
  public static BoardPlan of(BoardProfile board, MemoryPlan model) {
    return of(board, model, Target.JVM);
  }

  /**
   * The plan for the model shaped as {@code model} (read once: later changes to it do not reach the
   * result) on {@code board} for {@code target}.
   *
   * @throws IllegalArgumentException if {@code model} has no shape set
   */
  public static BoardPlan of(BoardProfile board, MemoryPlan model, Target target) {
    int count = model.layers();
    if (count < 1) {
      throw new IllegalArgumentException("the memory plan has no model shape");
    }
    int[] outputs = new int[count];
    List<Layer> layers = new ArrayList<>(count);
    StringJoiner shape = new StringJoiner("-").add(Integer.toString(model.inputSize()));
    long forwardMacs = 0;
    long updateMacs = 0;
    for (int k = 0; k < count; k++) {
      int in = model.inputs(k);
      int out = model.outputs(k);
      outputs[k] = out;
      shape.add(Integer.toString(out));
      long forward = (long) in * out + (long) model.classes() * out;
      long update = model.frozen(k) ? 0 : (long) in * out + out;
      forwardMacs += forward;
      updateMacs += update;
      layers.add(
          new Layer(
              k + 1,
              in,
              out,
              model.frozen(k),
              model.weightBytes(k),
              model.biasBytes(k),
              model.priorBytes(k),
              forward,
              update));
    }

    long image = ModelImage.imageSize(model.inputSize(), model.classes(), outputs, count);
    Ram ram = ram(board, model, target);
    // A checkpoint area holds a header and the image; slots are the same size.
    long slot = roundUp(image + Checkpoints.IMAGE_OFFSET, board.flashSectorBytes());
    long flashTotal = board.reservedFlashBytes() + (IMAGE_SLOTS + 1) * slot;
    Flash flash =
        new Flash(
            board.reservedFlashBytes(),
            image,
            slot,
            IMAGE_SLOTS,
            slot,
            flashTotal,
            board.flashBytes(),
            flashTotal <= board.flashBytes(),
            model.flashBytes());

    long backpropTotal = model.backpropBytes() + ram.total() - model.arenaBytes();
    Backprop backprop =
        new Backprop(model.backpropBytes(), backpropTotal, backpropTotal <= board.sramBytes());

    double macsPerSecond = board.macsPerCycle() * board.clockHz();
    Time time =
        new Time(
            board.macsPerCycle(),
            board.clockHz(),
            forwardMacs + updateMacs,
            forwardMacs,
            1000.0 * (forwardMacs + updateMacs) / macsPerSecond,
            1000.0 * forwardMacs / macsPerSecond);

    StringJoiner reason = new StringJoiner("; ");
    if (!ram.fits()) {
      reason.add(
          String.format(
              Locale.ROOT,
              "RAM: needs %,d bytes, the board has %,d (short by %,d)",
              ram.total(),
              board.sramBytes(),
              ram.total() - board.sramBytes()));
    }
    if (!flash.fits()) {
      reason.add(
          String.format(
              Locale.ROOT,
              "flash: needs %,d bytes (firmware, %d image slots and a checkpoint of %,d bytes"
                  + " each), the board has %,d (short by %,d)",
              flashTotal,
              IMAGE_SLOTS,
              slot,
              board.flashBytes(),
              flashTotal - board.flashBytes()));
    }
    boolean fits = ram.fits() && flash.fits();
    return new BoardPlan(
        board.id(),
        target,
        shape.toString(),
        model.inputSize(),
        model.classes(),
        List.copyOf(layers),
        ram,
        flash,
        backprop,
        time,
        fits,
        fits ? null : reason.toString());
  }

  /** The RAM lines for a target: the runtime's arrays, then what the target's VM adds. */
  private static Ram ram(BoardProfile board, MemoryPlan model, Target target) {
    long system = board.reservedRamBytes();
    long firmwareBuffers;
    long protocol;
    long telemetry;
    long headers;
    long objects;
    long heap;
    long vmStatic;
    long stack;
    if (target == Target.FIRMWARE) {
      FirmwareOverhead.Lines vm = FirmwareOverhead.lines(model, model.inputSize());
      firmwareBuffers = vm.buffers();
      protocol = 0; // the firmware does not carry the fleet agent yet
      telemetry = 0;
      headers = vm.arrayHeaders();
      objects = vm.objects();
      heap = vm.heap();
      vmStatic = vm.staticData();
      stack = vm.stack();
    } else {
      BoardProfile.Jvm jvm = board.jvm();
      firmwareBuffers = 0;
      protocol = board.protocolBuffers().bytes();
      telemetry = DeviceAgent.telemetryBufferBytes(AgentConfig.DEFAULT_RECORD_BUFFER, model.layers());
      headers =
          (long) jvm.arrayHeaderBytes() * (model.arrayCount() + TELEMETRY_ARRAYS)
              + (long) jvm.objectHeaderBytes() * model.objectCount();
      objects = jvm.applicationObjectsBytes();
      heap = 0;
      vmStatic = jvm.engineRamBytes();
      stack = jvm.javaStackBytes();
    }
    long device =
        model.ramBytes()
            + firmwareBuffers
            + protocol
            + telemetry
            + headers
            + objects
            + heap
            + vmStatic
            + stack;
    long total = device + system;
    return new Ram(
        model.weightBytes(),
        model.biasBytes(),
        model.activationBytes(),
        model.noiseBytes(),
        model.bookkeepingBytes(),
        model.ioBufferBytes(),
        MemoryPlan.FIXED_BYTES,
        firmwareBuffers,
        protocol,
        telemetry,
        headers,
        objects,
        heap,
        vmStatic,
        stack,
        system,
        device,
        total,
        board.sramBytes(),
        total <= board.sramBytes());
  }

  /** The telemetry buffer's arrays: its slots and their lengths. */
  private static final int TELEMETRY_ARRAYS = 2;

  private static long roundUp(long bytes, long unit) {
    return (bytes + unit - 1) / unit * unit;
  }
}
