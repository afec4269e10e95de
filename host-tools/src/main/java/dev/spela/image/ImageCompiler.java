package dev.spela.image;

import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageEncoder;
import dev.spela.protocols.image.ModelImageValidator;
import dev.spela.train.DenseLayer;
import dev.spela.train.FixedEngine;
import dev.spela.train.LocalLoss;
import dev.spela.train.Preprocessing;
import dev.spela.train.SpelaNetwork;
import java.util.Locale;

/**
 * Quantises a float SPELA network (cosine or softmax loss) into a v1 model image, following "Writing an image from float
 * weights" in protocols/MODEL_FORMAT.md: per layer the smallest power-of-two weight exponent that
 * keeps every weight within 2^14, the safest input fraction bits, weights and biases rounded to
 * nearest, class vectors in Q15.
 */
public final class ImageCompiler {

  /** The early-exit margin images get unless told otherwise: a cosine lead of 0.1. */
  public static final double DEFAULT_EARLY_EXIT_MARGIN = 0.1;

  /**
   * The training state written into the image besides the network.
   *
   * @param learningRate real SGD rate, stored in Q24 (2^-24 .. 1.0)
   * @param earlyExitMargin real cosine difference, stored in Q15 (0 .. 2.0)
   * @param roundingMode {@link ModelImage#ROUNDING_NEAREST} or {@link ModelImage#ROUNDING_STOCHASTIC}
   * @param seed the stochastic-rounding generator's seed
   * @param combinedPrediction whether a layer answers with the sum of the cosines of the layers up
   *     to it ({@link ModelImage#FLAG_COMBINED_PREDICTION})
   * @param cosineSteps 0 for a constant rate; else the device decays the rate along a cosine to 0
   *     over this many steps ({@link ModelImage#SCHEDULE_COSINE})
   */
  public record Settings(double learningRate, double earlyExitMargin, int roundingMode, long seed,
      boolean combinedPrediction, int cosineSteps) {
    /** Each layer answering alone, a constant rate. */
    public Settings(double learningRate, double earlyExitMargin, int roundingMode, long seed) {
      this(learningRate, earlyExitMargin, roundingMode, seed, false, 0);
    }

    /** These settings with the rate decaying along a cosine over {@code steps} steps. */
    public Settings withCosineSchedule(int steps) {
      return new Settings(learningRate, earlyExitMargin, roundingMode, seed, combinedPrediction, steps);
    }

    /** Stochastic rounding and the default margin: what a fresh model trains with. */
    public static Settings of(double learningRate, long seed) {
      return new Settings(learningRate, DEFAULT_EARLY_EXIT_MARGIN, ModelImage.ROUNDING_STOCHASTIC, seed);
    }
  }

  private ImageCompiler() {}

  /**
   * The image of {@code network} with {@code settings}, no samples seen yet.
   *
   * @throws IllegalArgumentException naming the problem if the network cannot be represented: not
   *     the cosine loss, a shape outside the format's limits, non-finite or too large values,
   *     out-of-range settings
   */
  public static byte[] compile(SpelaNetwork network, Settings settings) {
    if (network.loss() != LocalLoss.COSINE && network.loss() != LocalLoss.SOFTMAX) {
      throw new IllegalArgumentException(
          "the device runtime trains with the cosine or the softmax loss; a network trained with the "
              + network.loss().name().toLowerCase(Locale.ROOT) + " loss cannot be compiled (train it with --recipe paper)");
    }
    String unsupported = unsupported(network);
    if (unsupported != null) {
      throw new IllegalArgumentException("the device runtime does not support " + unsupported
          + " yet (train with --recipe paper; --loss softmax --temperature T and any --priors it does support)");
    }
    DenseLayer[] layers = network.layers();
    int[] outputs = new int[layers.length];
    for (int k = 0; k < layers.length; k++) {
      outputs[k] = layers[k].outputs();
    }
    int inputSize = network.inputSize();
    int classes = network.classes();
    Preprocessing preprocessing = network.preprocessing();
    int flags = (preprocessing.kind() == Preprocessing.Kind.NONE ? 0 : ModelImage.FLAG_INPUT_STATISTICS)
        | (settings.combinedPrediction() ? ModelImage.FLAG_COMBINED_PREDICTION : 0);
    int size = ModelImage.imageSize(inputSize, classes, outputs, outputs.length, flags);
    if (size < 0) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "a model image holds 1..%d layers of 1..%d units and %d..%d classes; this network has %d layers,"
              + " %d inputs, %d classes", ModelImage.MAX_LAYERS, ModelImage.MAX_WIDTH, ModelImage.MIN_CLASSES,
          ModelImage.MAX_CLASSES, layers.length, inputSize, classes));
    }
    byte[] image = new byte[size];
    ModelImageEncoder encoder = new ModelImageEncoder().wrap(image, 0, size);
    encoder.layout(inputSize, classes, outputs, outputs.length, flags);
    if (flags != 0) {
      putInputStatistics(encoder, preprocessing);
    }
    encoder.learningRate(FixedEngine.learningRateQ24(settings.learningRate()))
        .earlyExitMargin(marginQ15(settings.earlyExitMargin()))
        .roundingMode(settings.roundingMode())
        .loss(network.loss() == LocalLoss.SOFTMAX ? ModelImage.LOSS_SOFTMAX : ModelImage.LOSS_COSINE,
            network.loss() == LocalLoss.SOFTMAX ? inverseTemperatureQ8(network.settings().temperature()) : 0)
        .schedule(settings.cosineSteps() > 0 ? ModelImage.SCHEDULE_COSINE : ModelImage.SCHEDULE_CONSTANT,
            settings.cosineSteps())
        .rngSeed(settings.seed())
        .samplesSeen(0);
    for (int k = 0; k < layers.length; k++) {
      DenseLayer layer = layers[k];
      int fracBits = ModelImage.maxInputFracBits(layer.inputs());
      if (fracBits == 0) {
        throw new IllegalArgumentException("layer " + (k + 1) + " has " + layer.inputs()
            + " inputs, more than a model image can sum without overflow");
      }
      int exponent = weightExponent(layer.weights(), k);
      encoder.layerFormat(k, exponent, fracBits, false);
      float[] w = layer.weights();
      for (int i = 0; i < w.length; i++) {
        encoder.weight(k, i, (int) Math.rint(Math.scalb((double) w[i], -exponent)));
      }
      float[] b = layer.biases();
      for (int j = 0; j < b.length; j++) {
        double q = Math.rint(Math.scalb((double) b[j], fracBits - exponent));
        if (Double.isNaN(q)) {
          throw new IllegalArgumentException("layer " + (k + 1) + " has a bias that is not a number");
        }
        encoder.bias(k, j, (int) Math.max(-ModelImage.MAX_ABS_BIAS, Math.min(ModelImage.MAX_ABS_BIAS, q)));
      }
      float[] v = network.priors()[k];
      for (int i = 0; i < v.length; i++) {
        double q = Math.rint(v[i] * (double) ModelImage.Q15_ONE);
        encoder.prior(k, i, (int) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, q)));
      }
    }
    encoder.seal();
    int status = new ModelImageValidator().validate(image, 0, size);
    if (status != ImageStatus.OK) {
      throw new IllegalArgumentException("the quantised network is not a valid image ("
          + ImageStatus.name(status) + "): " + ImageFiles.describe(status));
    }
    return image;
  }

  /** What a v1 image cannot hold about {@code network}'s way of computing, or null if nothing. */
  private static String unsupported(SpelaNetwork network) {
    if (!network.settings().activation().isRelu()) {
      return "the activation " + network.settings().activation() + " (ReLU only)";
    }
    if (!network.settings().normaliseInputs()) {
      return "raw layer inputs (every layer normalises its input)";
    }
    if (network.rawInputLayers() > 0 || network.layers()[0].binarised()) {
      return "layers taken from backpropagation or binarised weights";
    }
    return null;
  }

  /**
   * Each input's offset (its mean in 1/128 pixel units) and scale (12 fraction bits), rounded to
   * nearest (MODEL_FORMAT.md, "Input statistics").
   */
  private static void putInputStatistics(ModelImageEncoder encoder, Preprocessing preprocessing) {
    float[] offset = preprocessing.offset();
    float[] scale = preprocessing.scale();
    double pixelUnits = 255 << 7;
    double scaleUnits = 1 << ModelImage.INPUT_SCALE_FRAC_BITS;
    for (int i = 0; i < offset.length; i++) {
      double q = Math.rint(offset[i] * pixelUnits);
      double r = Math.rint(scale[i] * scaleUnits);
      if (!(q >= 0 && q <= ModelImage.MAX_INPUT_OFFSET && r >= 0 && r <= 0xFFFF)) {
        throw new IllegalArgumentException(String.format(Locale.ROOT,
            "input %d's preprocessing (offset %s, scale %s) is outside what a model image holds (offset 0..1,"
                + " scale 0..16)", i, offset[i], scale[i]));
      }
      encoder.inputStatistic(i, (int) q, (int) r);
    }
  }

  /**
   * The smallest exponent e (at least {@link ModelImage#MIN_WEIGHT_EXPONENT}) with
   * {@code max|w| <= 2^14 * 2^e}.
   */
  static int weightExponent(float[] w, int layer) {
    double max = 0;
    for (float x : w) {
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException("layer " + (layer + 1) + " has a weight that is not a finite number");
      }
      max = Math.max(max, Math.abs(x));
    }
    if (max == 0) {
      return ModelImage.MIN_WEIGHT_EXPONENT;
    }
    int exponent = Math.getExponent(max) - 14;
    while (max > Math.scalb((double) ModelImage.MAX_ABS_WEIGHT, exponent)) {
      exponent++;
    }
    while (max <= Math.scalb((double) ModelImage.MAX_ABS_WEIGHT, exponent - 1)) {
      exponent--;
    }
    if (exponent > ModelImage.MAX_WEIGHT_EXPONENT) {
      throw new IllegalArgumentException("layer " + (layer + 1) + "'s weights are too large for a model image");
    }
    return Math.max(exponent, ModelImage.MIN_WEIGHT_EXPONENT);
  }

  /** 1 / {@code temperature} in Q8, rounded to nearest. */
  static int inverseTemperatureQ8(double temperature) {
    double q = Math.rint(256 / temperature);
    if (!(q >= ModelImage.MIN_INVERSE_TEMPERATURE && q <= ModelImage.MAX_INVERSE_TEMPERATURE)) {
      throw new IllegalArgumentException("the device runtime takes a softmax temperature between 1/256 and 1, got "
          + temperature);
    }
    return (int) q;
  }

  /** The real cosine difference {@code margin} in Q15, rounded to nearest. */
  public static int marginQ15(double margin) {
    double q = Math.rint(margin * ModelImage.Q15_ONE);
    if (!(q >= 0 && q <= ModelImage.MAX_EARLY_EXIT_MARGIN)) {
      throw new IllegalArgumentException("the early-exit margin must be between 0 and 2.0, got " + margin);
    }
    return (int) q;
  }
}
