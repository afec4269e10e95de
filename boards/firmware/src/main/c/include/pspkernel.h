/* TeaVM's C runtime has a port for bare-metal targets without an operating system (its "PSP"
 * port, selected with -D__PSP__: heap from malloc, no signals, no timers). It calls these two
 * kernel functions; a bare-metal board has neither, and the firmware never waits or asks the time. */
#pragma once
#include <time.h>

static inline int sceKernelDelayThread(unsigned int microseconds) {
  (void) microseconds;
  return 0;
}

static inline time_t sceKernelLibcTime(time_t* result) {
  if (result) {
    *result = 0;
  }
  return 0;
}
