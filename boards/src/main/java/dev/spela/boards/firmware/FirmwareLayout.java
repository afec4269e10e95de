package dev.spela.boards.firmware;

/**
 * Where a firmware's bytes go (the linker script's figures): the RAM and flash it may use, the
 * erase sector and image slot sizes, the Java heap TeaVM manages, the heap section TeaVM's runtime
 * takes it and the GC's tables from (with malloc), and the stack.
 */
public record FirmwareLayout(
    long ramBytes,
    long flashBytes,
    long sectorBytes,
    long slotBytes,
    long javaHeapBytes,
    long mallocBytes,
    long stackBytes) {}
