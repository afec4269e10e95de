package dev.spela.train;

import dev.spela.priors.PriorMethod;
import java.util.Locale;

/**
 * A named set of SPELA training choices, the starting point that `spela train --recipe` takes and
 * single options then override. Recipes hold no epoch count: a schedule that decays does so over
 * whatever run it is given.
 *
 * @param name as the CLI spells it
 * @param summary one line for the help
 */
public record Recipe(
    String name,
    String summary,
    SpelaSettings settings,
    PriorMethod priors,
    Schedule schedule,
    int batchSize,
    Preprocessing.Kind preprocessing,
    int shift,
    boolean flip,
    boolean shuffle) {

  /** The paper's text: ReLU, -cos, per-sample SGD at a constant 0.01, normalised layer inputs. */
  public static final Recipe PAPER = new Recipe("paper",
      "the paper's text: ReLU, -cos, per-sample SGD at a constant 0.01, normalised layer inputs",
      SpelaSettings.PAPER, PriorMethod.RIESZ, Schedule.constant(0.01f), 1, Preprocessing.Kind.NONE, 0, false, true);

  /**
   * The authors' released MLP code: LeakyReLU 0.001, log(2 - cos), batches of 50 averaged, lr 2.5
   * divided by 10 every 10 epochs, no shuffling, raw layer inputs, Kaiming-uniform weights.
   */
  public static final Recipe AUTHORS_CODE = new Recipe("authors-code",
      "the authors' released code: LeakyReLU 0.001, log(2-cos), batch 50, lr 2.5 /10 every 10 epochs, no shuffle",
      new SpelaSettings(new Activation(0.001f), LocalLoss.LOGCOS, 0.1f, false, true), PriorMethod.RIESZ,
      new Schedule(new float[] {2.5f}, Schedule.Decay.STEP, 0.1f, 10, 0, null, false), 50, Preprocessing.Kind.NONE,
      0, false, false);

  /**
   * This project's recipe (docs/results.md, "Learning beyond the paper"): a softmax over the
   * cosines (temperature 0.05) against non-negative binary class vectors, standardised inputs,
   * per-sample SGD at 0.03 with a cosine decay over the run.
   */
  public static final Recipe EDGE = new Recipe("edge",
      "this project's: softmax over cosines (T 0.05), binary priors, standardised inputs, lr 0.03 cosine decay",
      new SpelaSettings(Activation.RELU, LocalLoss.SOFTMAX, 0.05f, true, false), PriorMethod.BINARY,
      new Schedule(new float[] {0.03f}, Schedule.Decay.COSINE, 1f, 1, 0, null, false), 1,
      Preprocessing.Kind.STANDARDISE, 0, false, true);

  /** What {@code spela train} uses unless told otherwise (the fixed engine: {@link #PAPER}). */
  public static final Recipe DEFAULT = EDGE;

  private static final Recipe[] ALL = {EDGE, PAPER, AUTHORS_CODE};

  /** The recipe of that name (any case). */
  public static Recipe named(String name) {
    for (Recipe recipe : ALL) {
      if (recipe.name.equalsIgnoreCase(name.trim())) {
        return recipe;
      }
    }
    StringBuilder names = new StringBuilder();
    for (Recipe recipe : ALL) {
      names.append(names.length() == 0 ? "" : ", ").append(recipe.name);
    }
    throw new IllegalArgumentException("unknown recipe '" + name + "' (expected one of " + names + ")");
  }

  public static Recipe[] all() {
    return ALL.clone();
  }

  @Override
  public String toString() {
    return name.toLowerCase(Locale.ROOT);
  }
}
