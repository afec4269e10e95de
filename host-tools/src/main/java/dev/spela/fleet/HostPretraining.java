package dev.spela.fleet;

import dev.spela.data.Dataset;
import dev.spela.data.Split;
import dev.spela.image.ImageCompiler;
import dev.spela.priors.PriorMethod;
import dev.spela.train.Activation;
import dev.spela.train.EpochReport;
import dev.spela.train.FixedEngine;
import dev.spela.train.LocalLoss;
import dev.spela.train.Samples;
import dev.spela.train.Schedule;
import dev.spela.train.SpelaNetwork;
import dev.spela.train.SpelaSettings;
import dev.spela.train.Trainer;
import dev.spela.train.TrainingOptions;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a deployment prepares a device's model before flashing it: the host trains it on its own
 * labelled data with the device's arithmetic (the fixed engine, which is the device runtime itself)
 * and the best recipe the runtime implements (the softmax over cosines at temperature 0.05 with
 * binary class vectors, at a constant rate: the float {@code edge} recipe without its standardised
 * inputs and rate schedule, docs/results.md section 8), then writes an image whose rate is the
 * devices' smaller fine-tuning rate. A device then starts from a model that already answers well
 * and adapts it to its own data, with the same loss.
 *
 * @param epochs passes over the dataset's training split, shuffled; 0: the devices start untrained
 * @param rate the host's learning rate
 * @param seed the initial weights' and the shuffle's seed
 */
public record HostPretraining(int epochs, double rate, long seed) {

  /** The host's rate: the best constant rate of the softmax loss in the float sweep (results.md 8.3). */
  public static final double HOST_RATE = 0.01;

  /** The softmax loss's temperature, as in the float {@code edge} recipe. */
  public static final float TEMPERATURE = 0.05f;

  public HostPretraining {
    if (epochs < 0) {
      throw new IllegalArgumentException("pre-training epochs must be 0 or more, got " + epochs);
    }
  }

  /** No pre-training: every device starts from a fresh model. */
  public static HostPretraining none() {
    return new HostPretraining(0, HOST_RATE, 1);
  }

  public boolean trains() {
    return epochs > 0;
  }

  /** A pre-trained model: its image, the host's test accuracy of each layer, samples and seconds. */
  public record Model(int[] shape, byte[] image, double[] hostAccuracy, long samples, double seconds) {}

  /**
   * The model of {@code shape} for {@code dataset}, fresh (Kaiming weights, binary priors), trained
   * on the training split, tested on the whole test split, in an image that trains at {@code
   * deviceRate}.
   *
   * @throws IllegalStateException if this pre-training has no epochs
   */
  public Model model(int[] shape, Dataset dataset, double deviceRate) {
    if (!trains()) {
      throw new IllegalStateException("no pre-training epochs");
    }
    int classes = dataset.numClasses();
    long start = System.nanoTime();
    SpelaSettings softmax = new SpelaSettings(Activation.RELU, LocalLoss.SOFTMAX, TEMPERATURE, true, false);
    FixedEngine engine = new FixedEngine(ImageCompiler.compile(
        SpelaNetwork.fresh(shape, classes, PriorMethod.BINARY, softmax, seed), ImageCompiler.Settings.of(rate, seed)));
    double[][] accuracy = new double[1][];
    new Trainer(engine, samples(dataset.train(), classes), samples(dataset.test(), classes),
        new TrainingOptions(epochs, Schedule.constant((float) rate), 1, seed, 1, true, null, epochs))
        .run((EpochReport report) -> accuracy[0] = report.layerAccuracy());
    int status = engine.runtime().setLearningRate(FixedEngine.learningRateQ24(deviceRate));
    if (status < 0) {
      throw new IllegalArgumentException("the devices' learning rate " + deviceRate + " does not fit an image");
    }
    return new Model(shape, engine.image(), accuracy[0], (long) epochs * dataset.train().count(),
        (System.nanoTime() - start) / 1e9);
  }

  /** One line: what was pre-trained on the host, on how much, how well and how fast. */
  public static String describe(Model model) {
    String accuracy = Arrays.stream(model.hostAccuracy())
        .mapToObj(a -> String.format(Locale.ROOT, "%.1f%%", a * 100)).collect(Collectors.joining(" / "));
    return String.format(Locale.ROOT, "pre-trained %s on the host: %,d samples in %.1f s, test accuracy %s",
        FleetDemo.shapeName(model.shape()), model.samples(), model.seconds(), accuracy);
  }

  private static Samples samples(Split split, int classes) {
    return new Samples(split.pixels(), split.labels(), split.count(), split.pixelsPerSample(), classes);
  }
}
