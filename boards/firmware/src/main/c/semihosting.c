#include "semihosting.h"

#include <string.h>

enum {
  SYS_OPEN = 0x01,
  SYS_CLOSE = 0x02,
  SYS_WRITE = 0x05,
  SYS_READ = 0x06,
  SYS_EXIT_EXTENDED = 0x20,
  STDOUT_HANDLE = 1, /* ":tt" opened for writing is handle 1 in QEMU; we open it to be sure */
  OPEN_READ_BINARY = 1, /* mode "rb" */
  OPEN_WRITE_BINARY = 5, /* mode "wb" */
  OPEN_APPEND = 8, /* mode "a" */
  ADP_STOPPED_APPLICATION_EXIT = 0x20026,
};

static int32_t call(int32_t operation, const void* argument) {
  register int32_t r0 __asm__("r0") = operation;
  register const void* r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static int32_t console = -1;

void semihosting_write(const char* text, size_t length) {
  if (console < 0) {
    uint32_t open[3] = {(uint32_t) ":tt", OPEN_APPEND, 3};
    console = call(SYS_OPEN, open);
  }
  uint32_t write[3] = {(uint32_t) console, (uint32_t) text, length};
  call(SYS_WRITE, write);
}

/* Opens host file `name` in `mode`, reads or writes (`operation`) `length` bytes once, closes it;
 * returns the bytes not transferred, or -1 if it cannot open the file. */
static int32_t transfer_file(const char* name, uint32_t mode, int32_t operation, const void* data, size_t length) {
  uint32_t open[3] = {(uint32_t) name, mode, strlen(name)};
  int32_t handle = call(SYS_OPEN, open);
  if (handle < 0) {
    return -1;
  }
  uint32_t transfer[3] = {(uint32_t) handle, (uint32_t) data, length};
  int32_t left = call(operation, transfer);
  uint32_t close[1] = {(uint32_t) handle};
  call(SYS_CLOSE, close);
  return left;
}

int semihosting_write_file(const char* name, const void* data, size_t length) {
  return transfer_file(name, OPEN_WRITE_BINARY, SYS_WRITE, data, length) == 0 ? 0 : -1;
}

int32_t semihosting_read_file(const char* name, void* data, size_t length) {
  int32_t unread = transfer_file(name, OPEN_READ_BINARY, SYS_READ, data, length);
  return unread < 0 ? -1 : (int32_t) length - unread;
}

void semihosting_exit(int code) {
  uint32_t exit[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t) code};
  for (;;) {
    call(SYS_EXIT_EXTENDED, exit);
  }
}
