/* UART 0 of the MPS2 boards, a CMSDK APB UART (QEMU's first -serial): the agent firmware's link
 * to its fleet bridge (protocols/UART-BRIDGE.md). Polled: no interrupts, no FIFO beyond the
 * UART's one byte each way. */
#include <stdint.h>

#include "spela_natives.h"

#define UART0_DATA (*(volatile uint32_t*) 0x40004000u)
#define UART0_STATE (*(volatile uint32_t*) 0x40004004u)
#define UART0_CTRL (*(volatile uint32_t*) 0x40004008u)
#define UART0_BAUDDIV (*(volatile uint32_t*) 0x40004010u)

#define STATE_TX_FULL 1u
#define STATE_RX_FULL 2u
#define CTRL_TX_RX_ENABLE 3u
#define SMALLEST_BAUD_DIVIDER 16u /* the CMSDK UART's minimum; QEMU does not pace bytes anyway */

static void uart_enable(void) {
  if (UART0_CTRL != CTRL_TX_RX_ENABLE) {
    UART0_BAUDDIV = SMALLEST_BAUD_DIVIDER;
    UART0_CTRL = CTRL_TX_RX_ENABLE;
  }
}

void spela_uart_write(const int8_t* data, int32_t data_offset, int32_t length) {
  uart_enable();
  const uint8_t* bytes = (const uint8_t*) data + data_offset;
  for (int32_t i = 0; i < length; i++) {
    while (UART0_STATE & STATE_TX_FULL) {
    }
    UART0_DATA = bytes[i];
  }
}

int32_t spela_uart_read(int8_t* buffer, int32_t buffer_offset, int32_t length) {
  uart_enable();
  int32_t count = 0;
  while (count < length && (UART0_STATE & STATE_RX_FULL)) {
    buffer[buffer_offset + count++] = (int8_t) UART0_DATA;
  }
  return count;
}
