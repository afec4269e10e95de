package dev.spela.train;

/**
 * What one epoch gave: the engine, its training time (evaluation excluded), throughput, threads
 * used for training, each answering layer's test accuracy (a fraction; null for an epoch that was not
 * tested), for float SPELA also the accuracy of each layer's cosines summed with the earlier
 * layers' (else null), each layer's mean training loss, for float networks and the fixed engine
 * each layer's weight Frobenius norm (else null), and for a fixed engine that measures them, each
 * layer's {@link FixedPrecision} figures (else null).
 */
public record EpochReport(
    String engine,
    int epoch,
    double seconds,
    double samplesPerSecond,
    int threads,
    double[] layerAccuracy,
    double[] combinedAccuracy,
    double[] trainLoss,
    double[] weightNorm,
    FixedPrecision.Layer[] precision) {}
