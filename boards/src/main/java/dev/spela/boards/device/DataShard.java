package dev.spela.boards.device;

/**
 * What a virtual board's sensor provides: samples to learn from and held-out samples (never
 * trained on) for on-device evaluation.
 */
public record DataShard(String name, Samples train, Samples heldOut) {

  public DataShard {
    if (train.inputSize() != heldOut.inputSize()) {
      throw new IllegalArgumentException("train and held-out samples differ in size");
    }
    if (train.count() == 0) {
      throw new IllegalArgumentException("data shard '" + name + "' has no training samples");
    }
  }

  /** Shard i of n of both splits, each capped. */
  public static DataShard of(
      String name, Samples train, Samples test, int index, int shards, int maxTrain, int maxHeldOut) {
    return new DataShard(
        name + " " + index + "/" + shards,
        train.shard(index, shards, maxTrain),
        test.shard(index, shards, maxHeldOut));
  }
}
