/* The few newlib system calls the firmware reaches: the heap (_sbrk, bounded by the linker
 * script's heap section), console output and exit. The rest come from libnosys. */
#include <errno.h>
#include <stdint.h>

#include "board.h"
#include "semihosting.h"

static uint8_t* heap_break = __heap_start;

uint8_t* board_heap_break(void) {
  return heap_break;
}

void* _sbrk(ptrdiff_t increment) {
  if (increment > __heap_limit - heap_break) {
    board_print_text("spela firmware: out of RAM: the heap is short by ");
    board_print_number(increment - (__heap_limit - heap_break));
    board_print_text(" bytes\n");
    semihosting_exit(4);
  }
  uint8_t* previous = heap_break;
  heap_break += increment;
  return previous;
}

/* Called by TeaVM when its heap is full, before it would collect garbage (TeaVmCompiler). */
void spela_heap_full(void) {
  board_print_text("spela firmware: out of RAM: the Java heap is full (the memory plan is short)\n");
  semihosting_exit(4);
}

int _write(int file, const char* data, int length) {
  (void) file;
  semihosting_write(data, (size_t) length);
  return length;
}

void _exit(int code) {
  semihosting_exit(code);
}
