package dev.spela.train;

/**
 * One sample's local loss at one layer and the scalars of its gradient with respect to the layer's
 * output h. Every loss's gradient has the form {@code a h - b t}, for scalars a, b and a target t:
 * the label's class vector, or for the softmax loss a mix of every class's vector. Reused from step
 * to step; one per sample in flight.
 */
final class LocalGradient {
  float a;
  float b;
  /** The target is {@code target[targetOffset .. targetOffset + width)}. */
  float[] target;
  int targetOffset;
  /** False when the output has no direction (all zero): the cosine losses have nothing to learn. */
  boolean update;
  private final double[] cosines;
  private final double[] probabilities;
  private final float[] mix;

  LocalGradient(int classes, int widest, boolean softmax) {
    cosines = new double[classes];
    probabilities = new double[classes];
    mix = softmax ? new float[widest] : null;
  }

  /**
   * Prepares the gradient of {@code h} (its first {@code width} values) against {@code priors}
   * ({@code classes} rows of {@code width}, class-major) for class {@code label}; returns the loss.
   */
  double prepare(SpelaSettings settings, float[] h, int width, float[] priors, int classes, int label) {
    int offset = label * width;
    double sumSquares = 0;
    double dot = 0;
    for (int j = 0; j < width; j++) {
      sumSquares += (double) h[j] * h[j];
      dot += (double) h[j] * priors[offset + j];
    }
    target = priors;
    targetOffset = offset;
    LocalLoss loss = settings.loss();
    if (loss == LocalLoss.EUCLIDEAN) {
      update = true;
      a = 1f;
      b = 1f;
      return 0.5 * (sumSquares - 2 * dot + 1.0);
    }
    if (sumSquares == 0) {
      // A dead layer output has no direction: the cosine and its gradient are undefined.
      update = false;
      return 0;
    }
    double norm = Math.sqrt(sumSquares);
    double cos = dot / norm;
    update = true;
    switch (loss) {
      case COSINE -> {
        // d(-cos)/dh = -(v / n - (h.v) h / n^3) = (cos / n^2) h - v / n.
        a = (float) (cos / sumSquares);
        b = (float) (1.0 / norm);
        return -cos;
      }
      case LOGCOS -> {
        double factor = 1 / (2 - cos);
        a = (float) (factor * cos / sumSquares);
        b = (float) (factor / norm);
        return Math.log(2 - cos);
      }
      default -> {
        return prepareSoftmax(settings.temperature(), h, width, norm, priors, classes, label);
      }
    }
  }

  /**
   * The softmax loss over cosines divided by the temperature T: with p the softmax and y the one-hot
   * label, {@code dL/dh = sum_c (p_c - y_c) / T * (v_c / n - cos_c h / n^2)}, so t = sum_c (p_c -
   * y_c) v_c, b = -1 / (T n) and a = -(sum_c (p_c - y_c) cos_c) / (T n^2).
   */
  private double prepareSoftmax(float temperature, float[] h, int width, double norm, float[] priors, int classes,
      int label) {
    double inverseTemperature = 1.0 / temperature;
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      double dot = 0;
      for (int j = 0; j < width; j++) {
        dot += (double) h[j] * priors[c * width + j];
      }
      cosines[c] = dot / norm;
      max = Math.max(max, cosines[c] * inverseTemperature);
    }
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      probabilities[c] = Math.exp(cosines[c] * inverseTemperature - max);
      sum += probabilities[c];
    }
    java.util.Arrays.fill(mix, 0, width, 0f);
    double weighted = 0;
    for (int c = 0; c < classes; c++) {
      double error = probabilities[c] / sum - (c == label ? 1 : 0);
      weighted += error * cosines[c];
      float e = (float) error;
      for (int j = 0; j < width; j++) {
        mix[j] += e * priors[c * width + j];
      }
    }
    target = mix;
    targetOffset = 0;
    a = (float) (-weighted * inverseTemperature / (norm * norm));
    b = (float) (-inverseTemperature / norm);
    return Math.log(sum) - (cosines[label] * inverseTemperature - max);
  }

  /**
   * Writes the gradient with respect to the pre-activation z for outputs {@code [lo, hi)} of
   * {@code h}, through an activation of that {@code slope} (0: ReLU).
   */
  void write(float[] h, float[] g, int lo, int hi, float slope) {
    float[] t = target;
    int offset = targetOffset;
    if (slope == 0f) {
      // ReLU passes the gradient where h > 0.
      for (int j = lo; j < hi; j++) {
        g[j] = h[j] > 0f ? a * h[j] - b * t[offset + j] : 0f;
      }
    } else {
      for (int j = lo; j < hi; j++) {
        float d = a * h[j] - b * t[offset + j];
        g[j] = h[j] > 0f ? d : slope * d;
      }
    }
  }
}
