#include "board.h"

#include <stddef.h>
#include <string.h>

#include "semihosting.h"
#include "spela_natives.h"

#define PAINT 0xC5C5C5C5u

/* CMSDK APB timer 0 of the MPS2 boards: a 32-bit down-counter at the 25 MHz peripheral clock. */
#define TIMER0_CTRL (*(volatile uint32_t*) 0x40000000u)
#define TIMER0_VALUE (*(volatile uint32_t*) 0x40000004u)
#define TIMER0_RELOAD (*(volatile uint32_t*) 0x40000008u)

#define PHASES 8

static uint64_t phase_ticks[PHASES];
static uint32_t phase_count[PHASES];
static uint32_t phase_start[PHASES];

void board_paint(uint32_t* from, uint32_t* to) {
  for (uint32_t* p = from; p < to; p++) {
    *p = PAINT;
  }
}

uint32_t board_painted_used(const uint32_t* from, const uint32_t* to) {
  const uint32_t* p = to;
  while (p > from && p[-1] == PAINT) {
    p--;
  }
  return (uint32_t) ((const uint8_t*) p - (const uint8_t*) from);
}

uint32_t board_stack_peak(void) {
  const uint32_t* p = (const uint32_t*) __stack_limit;
  while (p < (const uint32_t*) __stack_top && *p == PAINT) {
    p++;
  }
  return (uint32_t) (__stack_top - (const uint8_t*) p);
}

void meter_start(void) {
  TIMER0_CTRL = 0;
  TIMER0_RELOAD = 0xFFFFFFFFu;
  TIMER0_VALUE = 0xFFFFFFFFu;
  TIMER0_CTRL = 1;
}

static uint32_t meter_now(void) {
  return 0xFFFFFFFFu - TIMER0_VALUE;
}

int64_t spela_clock_micros(void) {
  static uint32_t last;
  static uint64_t wraps;
  uint32_t now = meter_now();
  if (now < last) {
    wraps += 1ull << 32;
  }
  last = now;
  return (int64_t) ((wraps | now) / 25); /* 25 ticks a microsecond */
}

void spela_meter(int32_t phase, int32_t begin) {
  if (phase < 0 || phase >= PHASES) {
    return;
  }
  uint32_t now = meter_now();
  if (begin) {
    phase_start[phase] = now;
  } else {
    phase_ticks[phase] += now - phase_start[phase];
    phase_count[phase]++;
  }
}

void meter_report(void) {
  for (int phase = 0; phase < PHASES; phase++) {
    if (phase_count[phase] != 0) {
      int64_t values[3] = {phase, phase_count[phase], (int64_t) phase_ticks[phase]};
      board_print('M', 3, values);
    }
  }
}

void board_report_memory(void) {
  extern void* teavm_gc_heapAddress;
  extern int64_t teavm_gc_availableBytes;
  const uint32_t* java_heap = (const uint32_t*) teavm_gc_heapAddress;
  int64_t values[7] = {
      (uint8_t*) __data_end - (uint8_t*) __data_start,
      (uint8_t*) __bss_end - (uint8_t*) __bss_start,
      board_heap_break() - __heap_start,
      teavm_gc_availableBytes,
      java_heap == NULL ? 0 : board_painted_used(java_heap, java_heap + teavm_gc_availableBytes / 4),
      board_stack_peak(),
      (int64_t) (uintptr_t) __flash_used,
  };
  board_print('S', 7, values);
}

/* Writes v in decimal at `out`, returns the number of characters (at most 20). */
static size_t format_decimal(int64_t v, char* out) {
  char digits[20];
  int d = 0;
  uint64_t magnitude = v < 0 ? 0 - (uint64_t) v : (uint64_t) v;
  do {
    digits[d++] = (char) ('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  size_t n = 0;
  if (v < 0) {
    out[n++] = '-';
  }
  while (d > 0) {
    out[n++] = digits[--d];
  }
  return n;
}

void board_print(char tag, int count, const int64_t* values) {
  char line[2 + 22 * 8];
  size_t n = 0;
  line[n++] = tag;
  for (int i = 0; i < count && i < 8; i++) {
    line[n++] = ' ';
    n += format_decimal(values[i], line + n);
  }
  line[n++] = '\n';
  semihosting_write(line, n);
}

void board_print_text(const char* text) {
  semihosting_write(text, strlen(text));
}

void board_print_number(int64_t value) {
  char digits[21];
  semihosting_write(digits, format_decimal(value, digits));
}
