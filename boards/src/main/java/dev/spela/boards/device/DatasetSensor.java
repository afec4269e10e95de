package dev.spela.boards.device;

import dev.spela.agent.Sensor;

/** A data shard as the sensor of a virtual board: its samples, copied out one at a time. */
public final class DatasetSensor implements Sensor {

  private final DataShard shard;

  public DatasetSensor(DataShard shard) {
    this.shard = shard;
  }

  @Override
  public int inputSize() {
    return shard.train().inputSize();
  }

  @Override
  public int trainingCount() {
    return shard.train().count();
  }

  @Override
  public int heldOutCount() {
    return shard.heldOut().count();
  }

  @Override
  public int readTraining(int index, byte[] dst, int offset) {
    return copy(shard.train(), index, dst, offset);
  }

  @Override
  public int readHeldOut(int index, byte[] dst, int offset) {
    return copy(shard.heldOut(), index, dst, offset);
  }

  private static int copy(Samples samples, int index, byte[] dst, int offset) {
    System.arraycopy(samples.pixels(), samples.offset(index), dst, offset, samples.inputSize());
    return samples.label(index);
  }
}
