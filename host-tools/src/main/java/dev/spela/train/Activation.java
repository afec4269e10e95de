package dev.spela.train;

import java.util.Locale;

/**
 * A SPELA layer's activation: ReLU ({@code slope} 0), or LeakyReLU, which passes negative inputs
 * scaled by {@code slope} so that a unit that is off for every sample still learns (a ReLU unit in
 * that state is dead for good).
 */
public record Activation(float slope) {
  public static final Activation RELU = new Activation(0f);

  public Activation {
    if (!(slope >= 0f && slope < 1f)) {
      throw new IllegalArgumentException("the leaky slope must be in [0, 1), got " + slope);
    }
  }

  /** {@code relu} or {@code leaky[:SLOPE]} (the slope defaults to 0.01). */
  public static Activation parse(String text) {
    String name = text.trim().toLowerCase(Locale.ROOT);
    if (name.equals("relu")) {
      return RELU;
    }
    if (name.equals("leaky")) {
      return new Activation(0.01f);
    }
    if (name.startsWith("leaky:")) {
      try {
        return new Activation(Float.parseFloat(name.substring(6)));
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException("an activation is relu, leaky or leaky:SLOPE (e.g. leaky:0.01), not '" + text + "'");
  }

  public boolean isRelu() {
    return slope == 0f;
  }

  /** Applies the activation to {@code h[from..to)} in place. */
  void apply(float[] h, int from, int to) {
    if (slope == 0f) {
      for (int j = from; j < to; j++) {
        h[j] = Math.max(h[j], 0f);
      }
    } else {
      for (int j = from; j < to; j++) {
        float z = h[j];
        h[j] = z > 0f ? z : slope * z;
      }
    }
  }

  @Override
  public String toString() {
    return slope == 0f ? "relu" : "leaky:" + slope;
  }
}
