package dev.spela.train;

/**
 * Transfer learning the on-device way: the first layers of a network trained on the host (by
 * SPELA or backpropagation) become the frozen feature extractor of a new SPELA network, whose later
 * layers learn, possibly classes the extractor never saw. On a device the frozen layers would stay
 * in flash and only the head's weights need RAM.
 */
public final class Transfer {
  private Transfer() {}

  /**
   * Copies the weights and biases of {@code source}'s first {@code layers} layers into {@code
   * target}, and its preprocessing. Layers from backpropagation keep taking their inputs as they
   * are, with ReLU ({@link SpelaNetwork#rawInputLayers}); SPELA layers follow the target's
   * settings, which should be the source's. The caller freezes them (a zero learning rate).
   *
   * @throws IllegalArgumentException if the shapes of those layers differ
   */
  public static void copyLayers(Network source, SpelaNetwork target, int layers) {
    if (layers < 1 || layers >= target.layers().length || layers > source.layers().length) {
      throw new IllegalArgumentException("can copy 1 to " + Math.min(source.layers().length, target.layers().length - 1)
          + " layers (the new network needs at least one layer of its own), not " + layers);
    }
    if (source instanceof BackpropNetwork && layers == source.layers().length) {
      throw new IllegalArgumentException("a backpropagation network's last layer is its classifier, not a feature layer");
    }
    for (int k = 0; k < layers; k++) {
      DenseLayer from = source.layers()[k];
      DenseLayer to = target.layers()[k];
      if (from.inputs() != to.inputs() || from.outputs() != to.outputs()) {
        throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
            "layer %d is %dx%d in the source but %dx%d in the new network", k + 1, from.inputs(), from.outputs(),
            to.inputs(), to.outputs()));
      }
      System.arraycopy(from.weights(), 0, to.weights(), 0, from.weights().length);
      System.arraycopy(from.biases(), 0, to.biases(), 0, from.biases().length);
    }
    target.preprocessing(source.preprocessing());
    if (source instanceof BackpropNetwork) {
      target.rawInputLayers(layers);
    }
  }
}
