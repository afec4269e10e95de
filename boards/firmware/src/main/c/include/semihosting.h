/* Arm semihosting (the debugger's I/O over BKPT 0xAB), as QEMU implements it with
 * -semihosting-config enable=on,target=native. Only what the firmware needs. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Writes bytes to the console (QEMU's standard output). */
void semihosting_write(const char* text, size_t length);

/* Writes a whole file on the host (relative to QEMU's working directory); returns 0 or -1. */
int semihosting_write_file(const char* name, const void* data, size_t length);

/* Reads up to `length` bytes of a host file; returns the bytes read, or -1 if it cannot. */
int32_t semihosting_read_file(const char* name, void* data, size_t length);

/* Ends the emulation with this exit code. */
void semihosting_exit(int code) __attribute__((noreturn));
