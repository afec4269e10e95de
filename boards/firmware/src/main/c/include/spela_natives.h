/* The native functions the firmware's Java code calls (TeaVM @Import, declared in
 * dev.spela.firmware.Natives). Arrays arrive as pointers to their first element; the Java side
 * checks every offset and length before it calls, so these functions trust them. */
#pragma once
#include <stdint.h>

/* Flash: regions 0 (slot A: the image the device runs, written at build time), 1 (slot B: an
 * image being received) and 2 (the checkpoint the device writes its trained model to), each a
 * slot's size, and 3 and 4 (the agent's two state record areas; 0 bytes unless built with
 * --agent), each a whole number of erase sectors. Erased flash reads 0xFF; a write can only
 * clear bits, so a region is erased before it is written, as on NOR flash. */
int32_t spela_flash_size(int32_t region);
int32_t spela_flash_sector_bytes(void);
void spela_flash_read(int32_t region, int32_t offset, int8_t* buffer, int32_t buffer_offset, int32_t length);
int32_t spela_flash_write(int32_t region, int32_t offset, const int8_t* data, int32_t data_offset, int32_t length);
void spela_flash_erase(int32_t region, int32_t offset, int32_t length);

/* The sensor: set 0 holds the training samples, set 1 the held-out ones, in order. */
int32_t spela_sample_count(int32_t set);
int32_t spela_sample_size(void);
/* Copies sample `index`'s pixels to buffer[buffer_offset..]; returns its label. */
int32_t spela_sample_read(int32_t set, int32_t index, int8_t* buffer, int32_t buffer_offset);

/* Instruction meter: marks the beginning (begin != 0) or the end of one run of a phase. */
void spela_meter(int32_t phase, int32_t begin);

/* Prints a result line "R record a b c"; the host reads it (FirmwareRecord). */
void spela_report(int32_t record, int32_t a, int32_t b, int32_t c);

/* Prints "F reason a b" and ends the firmware with exit code 1. */
void spela_fail(int32_t reason, int32_t a, int32_t b);

/* Writes `length` bytes of flash region `region` to the host file written.img. */
int32_t spela_save(int32_t region, int32_t length);

/* Bytes of the Java heap (TeaVM's, fixed when the firmware was built). */
int32_t spela_java_heap_bytes(void);

/* UART 0 (the CMSDK APB UART of the MPS2 boards; QEMU's first -serial): the agent firmware's link
 * to its fleet bridge (protocols/UART-BRIDGE.md). Writing waits while the transmitter is full;
 * reading takes what has arrived, up to `length` bytes, and returns how many (0: nothing). */
void spela_uart_write(const int8_t* data, int32_t data_offset, int32_t length);
int32_t spela_uart_read(int8_t* buffer, int32_t buffer_offset, int32_t length);

/* Microseconds since the firmware started (timer 0, extended to 64 bits; read it at least every
 * 171 s). Without -icount it follows the host's clock. */
int64_t spela_clock_micros(void);

/* Prints an agent event "E event a b" (dev.spela.agent.AgentEvent). */
void spela_event(int32_t event, int32_t a, int32_t b);

/* Reads the host file agent.cfg (semihosting) into buffer[buffer_offset..], at most `length`
 * bytes; returns the bytes read, or -1 if there is no such file. */
int32_t spela_settings_read(int8_t* buffer, int32_t buffer_offset, int32_t length);

/* Reads the trusted public key of the signed image in slot A (the host file image.key,
 * semihosting) into buffer[buffer_offset..], at most `length` bytes; returns the bytes read, or -1
 * if there is no such file. */
int32_t spela_image_key_read(int8_t* buffer, int32_t buffer_offset, int32_t length);

/* Prints the memory line "S ..." now (the agent firmware never ends by itself). */
void spela_report_memory(void);
