package dev.spela.cli;

import dev.spela.priors.PriorMethod;
import dev.spela.train.Activation;
import dev.spela.train.Augmentation;
import dev.spela.train.LocalLoss;
import dev.spela.train.Preprocessing;
import dev.spela.train.Recipe;
import dev.spela.train.Schedule;
import dev.spela.train.SpelaSettings;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * How SPELA learns, as {@code spela train} takes it: a {@link Recipe} and options that override
 * single choices of it. Every option is null until given, so that the recipe fills in the rest.
 */
public final class LearningOptions {

  @Option(names = "--recipe", paramLabel = "NAME",
      description = "Starting set of choices the options below override: edge (this project's best: softmax over"
          + " cosines, binary priors, standardised inputs, lr 0.03 with cosine decay), paper (the paper's text) or"
          + " authors-code (the authors' released code) (default: edge; the fixed engine: paper).")
  String recipe;

  @Option(names = "--lr", paramLabel = "RATES", split = ",", hideParamSyntax = true,
      description = "SGD learning rate, or one per layer separated by commas (default: the recipe's, 0.03 for edge, 0.01 for paper; with"
          + " --init the image's).")
  float[] rates;

  @Option(names = "--schedule", paramLabel = "SCHEDULE",
      description = "Learning-rate decay over each layer's epochs: constant, cosine (to 0), or step:F:E (times F every"
          + " E epochs, e.g. step:0.1:10).")
  String schedule;

  @Option(names = "--warmup", paramLabel = "EPOCHS",
      description = "Raise each layer's rate linearly from 0 over its first EPOCHS epochs (fractions allowed).")
  Double warmup;

  @Option(names = "--layer-epochs", paramLabel = "RANGES", split = ",", hideParamSyntax = true,
      description = "The epochs in which each layer trains (from 1), one range FIRST-LAST per layer separated by"
          + " commas, e.g. 1-10,1-20; frozen outside them (layer-wise training).")
  String[] layerEpochs;

  @Option(names = "--batch", paramLabel = "N",
      description = "Samples per update; 1 is per-sample SGD, as on a device (default: the recipe's, 1 for paper).")
  Integer batch;

  @Option(names = "--batch-sum", description = "Add a batch's gradients instead of averaging them.")
  Boolean batchSum;

  @Option(names = "--activation", paramLabel = "ACTIVATION",
      description = "SPELA's activation: relu, or leaky:SLOPE for LeakyReLU, e.g. leaky:0.01 (default: the recipe's).")
  String activation;

  @Option(names = "--loss", paramLabel = "cosine|logcos|softmax|euclidean",
      description = "SPELA's local loss: cosine (minus the cosine), logcos (the log of 2 minus the cosine, the authors'"
          + " code), softmax (cross-entropy over the cosines divided by --temperature), euclidean (the paper's"
          + " ablation) (default: the recipe's).")
  LocalLoss loss;

  @Option(names = "--temperature", paramLabel = "T",
      description = "The softmax loss's temperature (default: 0.1).")
  Float temperature;

  @Option(names = "--priors", paramLabel = "riesz|random|binary|blocks", converter = PriorsCommand.MethodConverter.class,
      description = "SPELA's class vectors: riesz (evenly spread), random (Gaussian), binary or blocks (non-negative,"
          + " see 'spela priors --help') (default: the recipe's).")
  PriorMethod priors;

  @Option(names = "--preprocess", paramLabel = "none|centre|standardise|scale",
      description = "Input preprocessing with statistics from the training split: none (pixels in [0, 1]), centre"
          + " (minus each pixel's mean), standardise (and divided by its deviation), scale (only divided by it, so"
          + " blank pixels stay zero and steps stay sparse) (default: the recipe's).")
  Preprocessing.Kind preprocess;

  @Option(names = "--layer-inputs", paramLabel = "normalised|raw",
      description = "Whether each layer divides its input by its norm (the paper's text) or not (the authors' MLP code).")
  String layerInputs;

  @Option(names = "--init-weights", paramLabel = "normal|uniform",
      description = "Kaiming-normal or Kaiming-uniform (the authors' code) initial weights.")
  String initWeights;

  @Option(names = "--shift", paramLabel = "PIXELS",
      description = "Augment: shift every training image by up to PIXELS in each direction, afresh every epoch.")
  Integer shift;

  @Option(names = "--flip", description = "Augment: mirror half of the training images left to right, every epoch.")
  Boolean flip;

  @Option(names = "--binary-weights",
      description = "Compute with weights binarised to +-(Kaiming scale), biases kept (the paper's ablation; SPELA"
          + " and backpropagation).")
  boolean binaryWeights;

  /** The named recipe, or {@code fallback} if none was named. */
  Recipe recipe(Recipe fallback) {
    if (recipe == null) {
      return fallback;
    }
    try {
      return Recipe.named(recipe);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--recipe: " + e.getMessage());
    }
  }

  SpelaSettings settings(Recipe base) {
    SpelaSettings from = base.settings();
    Activation chosen = from.activation();
    if (activation != null) {
      try {
        chosen = Activation.parse(activation);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--activation: " + e.getMessage());
      }
    }
    boolean normalise = from.normaliseInputs();
    if (layerInputs != null) {
      normalise = switch (layerInputs.toLowerCase(Locale.ROOT)) {
        case "normalised", "normalized" -> true;
        case "raw" -> false;
        default -> throw CliException.usage("--layer-inputs is normalised or raw, not '" + layerInputs + "'");
      };
    }
    boolean uniform = from.uniformInit();
    if (initWeights != null) {
      uniform = switch (initWeights.toLowerCase(Locale.ROOT)) {
        case "normal" -> false;
        case "uniform" -> true;
        default -> throw CliException.usage("--init-weights is normal or uniform, not '" + initWeights + "'");
      };
    }
    try {
      return new SpelaSettings(chosen, loss != null ? loss : from.loss(),
          temperature != null ? temperature : from.temperature(), normalise, uniform);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
  }

  PriorMethod priors(Recipe base) {
    return priors != null ? priors : base.priors();
  }

  /** The schedule: the recipe's, with the rates, decay, warm-up, windows and batch sum given here. */
  Schedule schedule(Recipe base, Float imageRate) {
    Schedule from = base.schedule();
    float[] chosen = rates != null ? rates : imageRate != null ? new float[] {imageRate} : from.rates();
    for (float rate : chosen) {
      if (!(rate > 0) || Float.isInfinite(rate)) {
        throw CliException.usage("--lr must be a positive number, got " + rate);
      }
    }
    try {
      Schedule result = new Schedule(chosen, from.decay(), from.stepFactor(), from.stepEpochs(),
          warmup != null ? warmup : from.warmupEpochs(), windows(from.windows()),
          batchSum != null ? batchSum : from.summed());
      return schedule == null ? result : Schedule.withDecay(result, schedule);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
  }

  private int[][] windows(int[][] fallback) {
    if (layerEpochs == null) {
      return fallback;
    }
    int[][] windows = new int[layerEpochs.length][];
    for (int k = 0; k < layerEpochs.length; k++) {
      String[] ends = layerEpochs[k].split("-", -1);
      try {
        windows[k] = ends.length == 1
            ? new int[] {Integer.parseInt(ends[0]), Integer.parseInt(ends[0])}
            : new int[] {Integer.parseInt(ends[0]), Integer.parseInt(ends[1])};
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
        throw CliException.usage("--layer-epochs takes one range FIRST-LAST per layer, e.g. 1-10,1-20; got '"
            + layerEpochs[k] + "'");
      }
    }
    return windows;
  }

  int batch(Recipe base) {
    int size = batch != null ? batch : base.batchSize();
    if (size < 1) {
      throw CliException.usage("--batch must be at least 1, got " + size);
    }
    return size;
  }

  Preprocessing.Kind preprocessing(Recipe base) {
    return preprocess != null ? preprocess : base.preprocessing();
  }

  /** The augmentation for images {@code width} pixels wide, or null for none. */
  Augmentation augmentation(Recipe base, int width) {
    int pixels = shift != null ? shift : base.shift();
    boolean mirror = flip != null ? flip : base.flip();
    if (pixels == 0 && !mirror) {
      return null;
    }
    try {
      return new Augmentation(width, pixels, mirror);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--shift: " + e.getMessage());
    }
  }

  /** The first option given that the fixed-point engine cannot follow, or null if there is none. */
  String unsupportedByFixedEngine() {
    if (rates != null && rates.length > 1) {
      return "one learning rate per layer (--lr " + rates.length + " values)";
    }
    if (layerEpochs != null) {
      return "--layer-epochs";
    }
    if (batch != null && batch != 1) {
      return "--batch " + batch + ": it trains one sample at a time, as a device does (--batch must be 1)";
    }
    if (Boolean.TRUE.equals(batchSum)) {
      return "--batch-sum";
    }
    if (activation != null && !activation.equalsIgnoreCase("relu")) {
      return "--activation " + activation;
    }
    if (loss != null && loss != LocalLoss.COSINE && loss != LocalLoss.SOFTMAX) {
      return "--loss " + loss.name().toLowerCase(Locale.ROOT) + " (it trains with the cosine and softmax losses only)";
    }
    if (layerInputs != null && layerInputs.equalsIgnoreCase("raw")) {
      return "--layer-inputs raw";
    }
    if (binaryWeights) {
      return "--binary-weights";
    }
    if (recipe != null && recipe.trim().equalsIgnoreCase(Recipe.AUTHORS_CODE.name())) {
      return "--recipe " + recipe;
    }
    return null;
  }
}
