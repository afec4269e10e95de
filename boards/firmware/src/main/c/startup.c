/* Reset and fault handlers of a Cortex-M (ARMv7-M) board: copy .data, clear .bss, paint the
 * heap and the stack, start the instruction meter, run the Java program TeaVM compiled, then
 * print the meter and the memory figures and end the emulation with the program's exit code. */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "semihosting.h"

/* TeaVM's generated main(), renamed at compile time (-Dmain=teavm_main). */
int teavm_main(int argc, char** argv);

void reset_handler(void) __attribute__((noreturn));
void fault_handler(void) __attribute__((noreturn));

void reset_handler(void) {
  memcpy(__data_start, __data_load, (uint8_t*) __data_end - (uint8_t*) __data_start);
  memset(__bss_start, 0, (uint8_t*) __bss_end - (uint8_t*) __bss_start);
  board_paint((uint32_t*) __heap_start, (uint32_t*) __heap_limit);
  uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  board_paint((uint32_t*) __stack_limit, sp - 16); /* leave this function's own frame alone */
  meter_start();
  static char name[] = "spela";
  char* argv[] = {name, 0};
  int code = teavm_main(1, argv);
  meter_report();
  board_report_memory();
  semihosting_exit(code);
}

void fault_handler(void) {
  static const char message[] = "spela firmware: hard fault (bad memory access or instruction)\n";
  semihosting_write(message, sizeof message - 1);
  semihosting_exit(3);
}

/* ARMv7-M vector table: initial stack pointer, reset, then the exceptions the firmware may hit. */
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void)) __stack_top,
    reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
};
