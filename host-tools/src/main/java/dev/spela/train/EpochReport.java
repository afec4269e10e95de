package dev.spela.train;

/**
 * What one epoch gave: the engine, its training time (evaluation excluded), throughput, threads
 * used for training, and each answering layer's test accuracy (a fraction) and mean training loss.
 */
public record EpochReport(
    String engine,
    int epoch,
    double seconds,
    double samplesPerSecond,
    int threads,
    double[] layerAccuracy,
    double[] trainLoss) {}
