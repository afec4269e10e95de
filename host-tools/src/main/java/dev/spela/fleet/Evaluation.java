package dev.spela.fleet;

/**
 * A held-out evaluation: a successful EVALUATE acknowledgement (PROTOCOL.md, ACK), keyed by
 * {@code (device, bdSeq, commandId)}.
 *
 * @param samplesSeen the device's training steps when the answer arrived, from its latest record
 *     (the ACK does not carry it), so that the point sits on the training curves
 * @param accuracyQ15 held-out accuracy of each layer, layer 1 first
 */
public record Evaluation(
    String device, long bdSeq, long commandId, long samplesSeen, long evaluatedSamples, int[] accuracyQ15,
    long receivedMs) {}
