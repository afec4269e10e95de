package dev.spela.train;

import java.util.Locale;

/**
 * What happens to a sample's pixels before the first layer: input i becomes {@code (p_i / 255 -
 * offset_i) * scale_i}, with the offsets and scales computed once from the training split (and
 * saved with the model, so that inference and a device apply the same).
 *
 * <p>{@link Kind#NONE} keeps the pixels in [0, 1] and most MNIST inputs exactly zero, which the
 * kernels skip; centring makes every input non-zero, so a step costs the dense product.
 */
public record Preprocessing(Kind kind, float[] offset, float[] scale) {

  /** Which statistics are applied. */
  public enum Kind {
    /** Pixels in [0, 1]. */
    NONE,
    /** Each pixel minus its mean over the training split. */
    CENTRE,
    /** Each pixel minus its mean, divided by its standard deviation (floored, see {@link #STD_FLOOR}). */
    STANDARDISE,
    /**
     * Each pixel divided by its standard deviation (floored), not centred: blank pixels stay zero,
     * so sparse inputs keep their cheap steps.
     */
    SCALE
  }

  /**
   * The standard deviation is taken as {@code sqrt(var + STD_FLOOR^2)}: pixels that are almost
   * always blank (MNIST's border) would otherwise be scaled up a hundredfold on the rare sample
   * where they are not.
   */
  public static final double STD_FLOOR = 0.1;

  public static final Preprocessing NONE = new Preprocessing(Kind.NONE, null, null);

  public Preprocessing {
    if (kind != Kind.NONE && (offset == null || scale == null || offset.length != scale.length)) {
      throw new IllegalArgumentException("centring and standardising need one offset and one scale per input");
    }
  }

  /** The preprocessing {@code kind} with statistics from every sample of {@code train}. */
  public static Preprocessing fit(Kind kind, Samples train) {
    if (kind == Kind.NONE) {
      return NONE;
    }
    int n = train.inputSize();
    double[] sum = new double[n];
    double[] sumSquares = new double[n];
    byte[] pixels = train.pixels();
    for (int s = 0; s < train.count(); s++) {
      int base = s * n;
      for (int i = 0; i < n; i++) {
        double p = (pixels[base + i] & 0xFF) / 255.0;
        sum[i] += p;
        sumSquares[i] += p * p;
      }
    }
    float[] offset = new float[n];
    float[] scale = new float[n];
    for (int i = 0; i < n; i++) {
      double mean = sum[i] / train.count();
      double variance = Math.max(0, sumSquares[i] / train.count() - mean * mean);
      offset[i] = kind == Kind.SCALE ? 0f : (float) mean;
      scale[i] = kind == Kind.CENTRE ? 1f : (float) (1 / Math.sqrt(variance + STD_FLOOR * STD_FLOOR));
    }
    return new Preprocessing(kind, offset, scale);
  }

  /**
   * Writes sample {@code sample}'s preprocessed inputs into {@code x}, optionally divided by their
   * Euclidean norm, and lists the non-zero ones in {@code active}.
   *
   * @return how many inputs are non-zero
   */
  int load(Samples data, int sample, float[] x, int[] active, boolean normalise) {
    if (kind == Kind.NONE) {
      return data.load(sample, x, active, normalise);
    }
    byte[] pixels = data.pixels();
    int n = data.inputSize();
    int base = sample * n;
    for (int i = 0; i < n; i++) {
      x[i] = ((pixels[base + i] & 0xFF) * (1f / 255f) - offset[i]) * scale[i];
    }
    return Network.nextInput(x, x, active, normalise);
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(Locale.ROOT);
  }
}
