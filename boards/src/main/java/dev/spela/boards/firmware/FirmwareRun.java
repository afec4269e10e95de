package dev.spela.boards.firmware;

/**
 * What one run of a firmware printed, in the host's terms: every layer's held-out accuracy (and
 * early exit's), instructions per phase, memory, and the trained image written back.
 *
 * @param layerAccuracy each layer's held-out accuracy (a fraction), layer 1 first
 * @param writtenImageSha256 SHA-256 of the trained image, as the device computed it, in hex
 */
public record FirmwareRun(
    String engine,
    String board,
    String qemuMachine,
    String model,
    int trainingSamples,
    int heldOutSamples,
    int[] layerCorrect,
    double[] layerAccuracy,
    double earlyExitAccuracy,
    Instructions instructions,
    Ram ram,
    Flash flash,
    int writtenImageBytes,
    String writtenImageSha256) {

  /**
   * Instructions executed (QEMU counts them: -icount shift=0, read through a 25 MHz timer, so
   * to 40 instructions): loading and validating the image, and per training step, per prediction
   * through every layer, per prediction with early exit (means), writing the image back, and
   * checking the image's signature trailer (a signed firmware's; 0 for an unsigned one).
   */
  public record Instructions(
      long load, long trainStep, long prediction, long earlyExit, long writeBack, long verify) {}

  /**
   * RAM in bytes: {@code data} and {@code bss} (TeaVM's class structures and runtime data, libc),
   * {@code heap} (what TeaVM's runtime took with malloc: the Java heap of {@code javaHeap} bytes and
   * the GC's tables), {@code javaHeapUsed} (the Java heap's high-water mark, painted), {@code
   * stack} (the stack's painted high-water mark); {@code peak} is data + bss + heap + stack, {@code
   * budget} the RAM the linker script gave the firmware.
   */
  public record Ram(
      long data,
      long bss,
      long heap,
      long javaHeap,
      long javaHeapUsed,
      long stack,
      long peak,
      long budget) {}

  /** Flash in bytes: code, read-only data, .data's initial values and the three image slots. */
  public record Flash(long used, long budget) {}
}
