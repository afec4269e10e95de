package dev.spela.train;

import java.util.Locale;

/**
 * How every layer of a SPELA network computes and learns, besides its weights and class vectors.
 *
 * @param activation ReLU or LeakyReLU
 * @param loss the local loss against the class vectors
 * @param temperature the softmax loss's temperature (the cosines are divided by it); unused by the
 *     other losses
 * @param normaliseInputs whether each layer divides its input by its Euclidean norm (the paper's
 *     text) or takes it as it is (the authors' MLP code)
 * @param uniformInit Kaiming-uniform initial weights (the authors' code) instead of Kaiming-normal
 */
public record SpelaSettings(
    Activation activation, LocalLoss loss, float temperature, boolean normaliseInputs, boolean uniformInit) {

  /** The paper's text: ReLU, -cos, every layer's input normalised, Kaiming-normal weights. */
  public static final SpelaSettings PAPER = new SpelaSettings(Activation.RELU, LocalLoss.COSINE, 0.1f, true, false);

  public SpelaSettings {
    if (!(temperature > 0) || Float.isInfinite(temperature)) {
      throw new IllegalArgumentException("the softmax temperature must be a positive number, got " + temperature);
    }
  }

  /** The paper's settings with another loss. */
  public static SpelaSettings withLoss(LocalLoss loss) {
    return new SpelaSettings(Activation.RELU, loss, PAPER.temperature, true, false);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s, %s loss%s%s", activation, loss.name().toLowerCase(Locale.ROOT),
        loss == LocalLoss.SOFTMAX ? " (temperature " + temperature + ")" : "",
        normaliseInputs ? "" : ", layer inputs not normalised");
  }
}
