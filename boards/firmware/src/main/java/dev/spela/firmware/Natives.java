package dev.spela.firmware;

import org.teavm.interop.Import;
import org.teavm.interop.c.Include;

/**
 * The board's native functions (boards/firmware/src/main/c/include/spela_natives.h, which
 * documents each): flash regions, the sensor's samples, the instruction meter and the console.
 * TeaVM links each to the C function of the same name; arrays arrive as pointers, so callers check
 * every offset and length first. Only the firmware calls these: on a JVM they are unlinked.
 */
final class Natives {

  /** Flash region holding the image the device runs (slot A). */
  static final int SLOT_A = 0;

  /** Flash region of the image being received (slot B). */
  static final int SLOT_B = 1;

  /** Flash region the device writes its trained model to (the agent's checkpoint area). */
  static final int CHECKPOINT = 2;

  /** Flash regions of the agent's two state record copies (agent mode only). */
  static final int STATE_0 = 3;

  static final int STATE_1 = 4;

  /** Sensor set of the training samples. */
  static final int TRAINING = 0;

  /** Sensor set of the held-out samples. */
  static final int HELD_OUT = 1;

  private static final String HEADER = "spela_natives.h";

  private Natives() {}

  @Import(name = "spela_flash_size")
  @Include(value = HEADER, isSystem = false)
  static native int flashSize(int region);

  @Import(name = "spela_flash_sector_bytes")
  @Include(value = HEADER, isSystem = false)
  static native int flashSectorBytes();

  @Import(name = "spela_flash_read")
  @Include(value = HEADER, isSystem = false)
  static native void flashRead(int region, int offset, byte[] buffer, int bufferOffset, int length);

  @Import(name = "spela_flash_write")
  @Include(value = HEADER, isSystem = false)
  static native int flashWrite(int region, int offset, byte[] data, int dataOffset, int length);

  @Import(name = "spela_flash_erase")
  @Include(value = HEADER, isSystem = false)
  static native void flashErase(int region, int offset, int length);

  @Import(name = "spela_sample_count")
  @Include(value = HEADER, isSystem = false)
  static native int sampleCount(int set);

  @Import(name = "spela_sample_size")
  @Include(value = HEADER, isSystem = false)
  static native int sampleSize();

  @Import(name = "spela_sample_read")
  @Include(value = HEADER, isSystem = false)
  static native int sampleRead(int set, int index, byte[] buffer, int bufferOffset);

  @Import(name = "spela_meter")
  @Include(value = HEADER, isSystem = false)
  static native void meter(int phase, int begin);

  @Import(name = "spela_report")
  @Include(value = HEADER, isSystem = false)
  static native void report(int record, int a, int b, int c);

  @Import(name = "spela_fail")
  @Include(value = HEADER, isSystem = false)
  static native void fail(int reason, int a, int b);

  @Import(name = "spela_save")
  @Include(value = HEADER, isSystem = false)
  static native int save(int region, int length);

  @Import(name = "spela_uart_write")
  @Include(value = HEADER, isSystem = false)
  static native void uartWrite(byte[] data, int dataOffset, int length);

  @Import(name = "spela_uart_read")
  @Include(value = HEADER, isSystem = false)
  static native int uartRead(byte[] buffer, int bufferOffset, int length);

  @Import(name = "spela_clock_micros")
  @Include(value = HEADER, isSystem = false)
  static native long clockMicros();

  @Import(name = "spela_event")
  @Include(value = HEADER, isSystem = false)
  static native void event(int event, int a, int b);

  @Import(name = "spela_settings_read")
  @Include(value = HEADER, isSystem = false)
  static native int settingsRead(byte[] buffer, int bufferOffset, int length);

  /** Reads the trusted key of the signed image in slot A: bytes read, -1 if there is none. */
  @Import(name = "spela_image_key_read")
  @Include(value = HEADER, isSystem = false)
  static native int imageKeyRead(byte[] buffer, int bufferOffset, int length);

  @Import(name = "spela_report_memory")
  @Include(value = HEADER, isSystem = false)
  static native void reportMemory();

  @Import(name = "spela_java_heap_bytes")
  @Include(value = HEADER, isSystem = false)
  static native int javaHeapBytes();
}
