/* The board's side of the firmware: memory layout symbols from the linker script, the
 * instruction meter, and the memory measurements printed when the firmware ends. */
#pragma once
#include <stdint.h>

/* Linker-script symbols (firmware.ld): take their addresses, never their values. */
extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint8_t __heap_start[], __heap_limit[], __stack_limit[], __stack_top[];
extern uint8_t __flash_used[];

/* Fills `from`..`to` with the paint word so that the high-water mark can be found later. */
void board_paint(uint32_t* from, uint32_t* to);

/* Bytes from `from` up to the last word that is no longer paint, scanning down from `to`. */
uint32_t board_painted_used(const uint32_t* from, const uint32_t* to);

/* Bytes of the stack ever used: painted words overwritten, scanning up from the stack limit. */
uint32_t board_stack_peak(void);

/* Ends the firmware when TeaVM's heap is full (it would collect garbage otherwise). */
void spela_heap_full(void);

/* The current top of the heap (_sbrk's break). */
uint8_t* board_heap_break(void);

/* Starts the free-running timer the instruction meter reads. */
void meter_start(void);

/* Prints every phase's count and timer ticks, one line each. */
void meter_report(void);

/* Prints the memory figures, one line. */
void board_report_memory(void);

/* Prints one line ("<tag> <numbers...>", at most 8 numbers) on the console. */
void board_print(char tag, int count, const int64_t* values);

/* Prints text, or a number in decimal, on the console. */
void board_print_text(const char* text);
void board_print_number(int64_t value);
