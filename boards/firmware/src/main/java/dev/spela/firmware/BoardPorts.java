package dev.spela.firmware;

import dev.spela.agent.Clock;
import dev.spela.agent.Reports;
import dev.spela.agent.Sensor;
import dev.spela.agent.SerialPort;
import dev.spela.protocols.Bounds;

/**
 * The board's natives as the device agent's ports: UART 0 as its serial port (to the fleet bridge,
 * protocols/UART-BRIDGE.md), the sensor's samples, the board's timer as its clock (since boot: no
 * wall clock) and the console for its reports ({@code E event a b}, each followed by the memory
 * line). Every range is checked here,
 * so the natives never see a bad one.
 */
final class BoardPorts implements SerialPort, Sensor, Clock, Reports {

  private final int sampleBytes = Natives.sampleSize();
  private final int trainingCount = Natives.sampleCount(Natives.TRAINING);
  private final int heldOutCount = Natives.sampleCount(Natives.HELD_OUT);

  @Override
  public int write(byte[] src, int offset, int length) {
    if (!Bounds.within(src, offset, length)) {
      return -1;
    }
    Natives.uartWrite(src, offset, length);
    return 0;
  }

  @Override
  public int read(byte[] dst, int offset, int length) {
    if (!Bounds.within(dst, offset, length)) {
      return -1;
    }
    return Natives.uartRead(dst, offset, length);
  }

  @Override
  public int inputSize() {
    return sampleBytes;
  }

  @Override
  public int trainingCount() {
    return trainingCount;
  }

  @Override
  public int heldOutCount() {
    return heldOutCount;
  }

  @Override
  public int readTraining(int index, byte[] dst, int offset) {
    return sample(Natives.TRAINING, trainingCount, index, dst, offset);
  }

  @Override
  public int readHeldOut(int index, byte[] dst, int offset) {
    return sample(Natives.HELD_OUT, heldOutCount, index, dst, offset);
  }

  private int sample(int set, int count, int index, byte[] dst, int offset) {
    if (index < 0 || index >= count || !Bounds.within(dst, offset, sampleBytes)) {
      return -1;
    }
    return Natives.sampleRead(set, index, dst, offset);
  }

  @Override
  public long millis() {
    return Natives.clockMicros() / 1000;
  }

  @Override
  public long micros() {
    return Natives.clockMicros();
  }

  @Override
  public void report(int event, int first, int second) {
    Natives.event(event, first, second);
    Natives.reportMemory(); // the high-water marks so far: the host sees the peak of a session
  }
}
