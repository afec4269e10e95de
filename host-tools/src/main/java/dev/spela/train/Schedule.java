package dev.spela.train;

import java.util.Arrays;
import java.util.Locale;

/**
 * The learning rate over a run: a base rate per layer, a decay over each layer's training window,
 * an optional linear warm-up at the start of the window, and the window itself (the epochs in which
 * the layer trains; outside it the layer is frozen). A layer's schedule runs over its own window,
 * so a layer that starts training at epoch 11 warms up and decays from there.
 *
 * @param rates base rate of each layer, or one rate for every layer
 * @param decay how the rate falls over the window
 * @param stepFactor with {@link Decay#STEP}, the factor applied every {@code stepEpochs} epochs
 * @param stepEpochs with {@link Decay#STEP}, epochs between two reductions
 * @param warmupEpochs epochs (fractions allowed) over which the rate rises linearly from 0
 * @param windows per layer {@code {first, last}} epoch (from 1, inclusive) in which it trains, or
 *     null for every epoch
 * @param summed whether a batch's gradients are added rather than averaged
 */
public record Schedule(
    float[] rates, Decay decay, float stepFactor, int stepEpochs, double warmupEpochs, int[][] windows, boolean summed) {

  /** How the rate falls over a layer's window. */
  public enum Decay {
    /** Not at all. */
    CONSTANT,
    /** By {@code stepFactor} every {@code stepEpochs} epochs. */
    STEP,
    /** Along half a cosine, from the base rate at the start to 0 after the last step. */
    COSINE
  }

  public Schedule {
    if (rates.length == 0) {
      throw new IllegalArgumentException("a schedule needs at least one rate");
    }
    for (float rate : rates) {
      if (!(rate >= 0) || Float.isInfinite(rate)) {
        throw new IllegalArgumentException("learning rates must be finite and not negative, got " + rate);
      }
    }
    if (decay == Decay.STEP && (!(stepFactor > 0) || stepEpochs < 1)) {
      throw new IllegalArgumentException("a step decay needs a positive factor and a period of at least one epoch");
    }
    if (!(warmupEpochs >= 0) || Double.isInfinite(warmupEpochs)) {
      throw new IllegalArgumentException("the warm-up must be a finite number of epochs, got " + warmupEpochs);
    }
    if (windows != null) {
      for (int[] window : windows) {
        if (window.length != 2 || window[0] < 1 || window[1] < window[0]) {
          throw new IllegalArgumentException("a layer's epochs are FIRST-LAST with 1 <= FIRST <= LAST");
        }
      }
    }
  }

  /** One constant rate for every layer, batch gradients averaged: plain SGD. */
  public static Schedule constant(float rate) {
    if (!(rate > 0)) {
      throw new IllegalArgumentException("the learning rate must be a positive number, got " + rate);
    }
    return new Schedule(new float[] {rate}, Decay.CONSTANT, 1f, 1, 0, null, false);
  }

  /** This schedule with the first {@code layers} layers frozen (rate 0), the others' rates as they were. */
  public Schedule freezing(int layers) {
    float[] frozen = new float[Math.max(rates.length, layers + 1)];
    for (int k = 0; k < frozen.length; k++) {
      frozen[k] = k < layers ? 0f : baseRate(k);
    }
    return new Schedule(frozen, decay, stepFactor, stepEpochs, warmupEpochs, windows, summed);
  }

  /** Layer {@code layer}'s base rate. */
  public float baseRate(int layer) {
    return rates[Math.min(layer, rates.length - 1)];
  }

  /** Whether every layer trains at one constant rate, in every epoch, batch gradients averaged. */
  public boolean isConstant() {
    for (float rate : rates) {
      if (rate != rates[0]) {
        return false;
      }
    }
    return decay == Decay.CONSTANT && warmupEpochs == 0 && windows == null && !summed;
  }

  /** Checks the schedule against a network of {@code layers} layers trained for {@code epochs} epochs. */
  public void check(int layers, int epochs) {
    if (rates.length != 1 && rates.length != layers) {
      throw new IllegalArgumentException("give one learning rate, or one per layer (" + layers + "), not " + rates.length);
    }
    if (windows != null && windows.length != layers) {
      throw new IllegalArgumentException("give one epoch range per layer (" + layers + "), not " + windows.length);
    }
  }

  /** The rates of a run of {@code stepsPerEpoch} steps per epoch over {@code epochs} epochs. */
  public LearningRates over(long stepsPerEpoch, int epochs) {
    return new LearningRates() {
      @Override
      public float rate(int layer, long step) {
        int first = 0;
        int last = epochs - 1;
        if (windows != null) {
          first = windows[layer][0] - 1;
          last = Math.min(windows[layer][1], epochs) - 1;
        }
        long start = first * stepsPerEpoch;
        long length = (last - first + 1) * stepsPerEpoch;
        long t = step - start;
        if (t < 0 || t >= length) {
          return 0f;
        }
        double factor = 1;
        if (warmupEpochs > 0) {
          factor = Math.min(1, (t + 1) / (warmupEpochs * stepsPerEpoch));
        }
        factor *= switch (decay) {
          case CONSTANT -> 1;
          case STEP -> Math.pow(stepFactor, (double) (t / stepsPerEpoch / stepEpochs));
          case COSINE -> 0.5 * (1 + Math.cos(Math.PI * t / length));
        };
        float base = baseRate(layer);
        return factor == 1 ? base : (float) (base * factor);
      }

      @Override
      public boolean summed() {
        return summed;
      }
    };
  }

  /** {@code constant}, {@code step:FACTOR:EPOCHS} or {@code cosine}, as the CLI spells a decay. */
  public static Schedule withDecay(Schedule base, String text) {
    String name = text.trim().toLowerCase(Locale.ROOT);
    String[] parts = name.split(":", -1);
    try {
      switch (parts[0]) {
        case "constant":
          if (parts.length == 1) {
            return new Schedule(base.rates, Decay.CONSTANT, 1f, 1, base.warmupEpochs, base.windows, base.summed);
          }
          break;
        case "cosine":
          if (parts.length == 1) {
            return new Schedule(base.rates, Decay.COSINE, 1f, 1, base.warmupEpochs, base.windows, base.summed);
          }
          break;
        case "step":
          if (parts.length == 3) {
            return new Schedule(base.rates, Decay.STEP, Float.parseFloat(parts[1]), Integer.parseInt(parts[2]),
                base.warmupEpochs, base.windows, base.summed);
          }
          break;
        default:
          break;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "a schedule is constant, cosine or step:FACTOR:EPOCHS (e.g. step:0.1:10), not '" + text + "'");
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(rates.length == 1 ? "lr " + rates[0] : "lr " + Arrays.toString(rates));
    switch (decay) {
      case STEP -> text.append(String.format(Locale.ROOT, ", x%s every %d epochs", stepFactor, stepEpochs));
      case COSINE -> text.append(", cosine decay");
      default -> { }
    }
    if (warmupEpochs > 0) {
      text.append(String.format(Locale.ROOT, ", warm-up %s epochs", warmupEpochs));
    }
    if (summed) {
      text.append(", batch gradients summed");
    }
    return text.toString();
  }
}
