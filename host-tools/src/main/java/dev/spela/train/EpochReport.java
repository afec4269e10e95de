package dev.spela.train;

/**
 * What one epoch gave: its training time (evaluation excluded), throughput, and each answering
 * layer's test accuracy (a fraction) and mean training loss.
 */
public record EpochReport(
    int epoch,
    double seconds,
    double samplesPerSecond,
    int threads,
    double[] layerAccuracy,
    double[] trainLoss) {}
