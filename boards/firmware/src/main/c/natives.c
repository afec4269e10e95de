#include "spela_natives.h"

#include <string.h>

#include "board.h"
#include "semihosting.h"

/* Linker-script symbols: three flash slots of __slot_bytes each, two state areas of
 * __state_bytes each, and the sensor's samples. */
extern uint8_t __slot_a[], __slot_b[], __checkpoint[], __slot_bytes[], __sector_bytes[];
extern uint8_t __state_0[], __state_1[], __state_bytes[];
extern const uint8_t __train_pixels[], __train_labels[], __train_labels_end[];
extern const uint8_t __test_pixels[], __test_labels[], __test_labels_end[];
extern const uint32_t spela_sample_bytes;

static uint8_t* region_base(int32_t region) {
  switch (region) {
    case 0:
      return __slot_a;
    case 1:
      return __slot_b;
    case 2:
      return __checkpoint;
    case 3:
      return __state_0;
    default:
      return __state_1;
  }
}

int32_t spela_flash_size(int32_t region) {
  return (int32_t) (uintptr_t) (region < 3 ? __slot_bytes : __state_bytes);
}

int32_t spela_flash_sector_bytes(void) {
  return (int32_t) (uintptr_t) __sector_bytes;
}

void spela_flash_read(int32_t region, int32_t offset, int8_t* buffer, int32_t buffer_offset, int32_t length) {
  memcpy(buffer + buffer_offset, region_base(region) + offset, (size_t) length);
}

int32_t spela_flash_write(int32_t region, int32_t offset, const int8_t* data, int32_t data_offset, int32_t length) {
  uint8_t* target = region_base(region) + offset;
  const uint8_t* source = (const uint8_t*) data + data_offset;
  for (int32_t i = 0; i < length; i++) {
    if ((target[i] & source[i]) != source[i]) {
      return -1; /* not erased: NOR flash cannot set a bit by writing */
    }
    target[i] &= source[i];
  }
  return 0;
}

void spela_flash_erase(int32_t region, int32_t offset, int32_t length) {
  memset(region_base(region) + offset, 0xFF, (size_t) length);
}

int32_t spela_sample_count(int32_t set) {
  return (int32_t) (set == 0 ? __train_labels_end - __train_labels : __test_labels_end - __test_labels);
}

int32_t spela_sample_size(void) {
  return (int32_t) spela_sample_bytes;
}

int32_t spela_sample_read(int32_t set, int32_t index, int8_t* buffer, int32_t buffer_offset) {
  const uint8_t* pixels = set == 0 ? __train_pixels : __test_pixels;
  const uint8_t* labels = set == 0 ? __train_labels : __test_labels;
  memcpy(buffer + buffer_offset, pixels + (size_t) index * spela_sample_bytes, spela_sample_bytes);
  return labels[index];
}

void spela_report(int32_t record, int32_t a, int32_t b, int32_t c) {
  int64_t values[4] = {record, a, b, c};
  board_print('R', 4, values);
}

void spela_fail(int32_t reason, int32_t a, int32_t b) {
  int64_t values[3] = {reason, a, b};
  board_print('F', 3, values);
  semihosting_exit(1);
}

int32_t spela_save(int32_t region, int32_t length) {
  return semihosting_write_file("written.img", region_base(region), (size_t) length);
}

int32_t spela_java_heap_bytes(void) {
  extern int64_t teavm_gc_availableBytes;
  return (int32_t) teavm_gc_availableBytes;
}

void spela_event(int32_t event, int32_t a, int32_t b) {
  int64_t values[3] = {event, a, b};
  board_print('E', 3, values);
}

int32_t spela_settings_read(int8_t* buffer, int32_t buffer_offset, int32_t length) {
  return semihosting_read_file("agent.cfg", buffer + buffer_offset, (size_t) length);
}

int32_t spela_image_key_read(int8_t* buffer, int32_t buffer_offset, int32_t length) {
  return semihosting_read_file("image.key", buffer + buffer_offset, (size_t) length);
}

void spela_report_memory(void) {
  board_report_memory();
}
