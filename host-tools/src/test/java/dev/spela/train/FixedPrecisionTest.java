package dev.spela.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.image.ImageCompiler;
import dev.spela.protocols.image.ModelImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FixedPrecisionTest {
  private static final int[] SIZES = {64, 48, 12};
  private static final Samples TRAIN = ToyData.blocks(1_000, 64, 4, 1);
  private static final Samples TEST = ToyData.blocks(100, 64, 4, 2);

  private static FixedEngine fixed(double rate, int rounding) {
    return new FixedEngine(ImageCompiler.compile(ToyData.spela(SIZES, 4, 3),
        new ImageCompiler.Settings(rate, ImageCompiler.DEFAULT_EARLY_EXIT_MARGIN, rounding, 5)));
  }

  private static List<EpochReport> train(FixedEngine engine, float rate, int epochs) {
    List<EpochReport> reports = new ArrayList<>();
    new Trainer(engine, TRAIN, TEST, new TrainingOptions(epochs, rate, 1, 7, 1)).run(reports::add);
    return reports;
  }

  @Test
  void measuringLeavesTheTrainingUntouched() {
    FixedEngine measured = fixed(0.01, ModelImage.ROUNDING_STOCHASTIC);
    measured.measurePrecision();
    FixedEngine plain = fixed(0.01, ModelImage.ROUNDING_STOCHASTIC);
    List<EpochReport> withFigures = train(measured, 0.01f, 2);
    List<EpochReport> without = train(plain, 0.01f, 2);
    assertArrayEquals(plain.image(), measured.image());
    assertNull(without.get(1).precision());
    for (EpochReport report : withFigures) {
      FixedPrecision.Layer[] layers = report.precision();
      assertEquals(2, layers.length);
      for (FixedPrecision.Layer layer : layers) {
        assertTrue(layer.sampledUpdates() > 0, layer::toString);
        assertTrue(layer.zeroShare() > 0 && layer.zeroShare() < 0.9, layer::toString);
        assertTrue(layer.meanChangeLsb() > 0, layer::toString);
        assertEquals(0, layer.saturatedWeights());
        assertEquals(0, layer.saturatedBiases());
      }
    }
    assertEquals(measured.runtime().weightNormQ16(0) / 65536.0, withFigures.get(1).weightNorm()[0]);
  }

  @Test
  void updatesFarBelowOneLsbRoundToZeroToNearestAndAlmostAlwaysStochastically() {
    float tiny = (float) Math.scalb(1.0, -24); // the smallest rate an image holds
    FixedEngine nearest = fixed(tiny, ModelImage.ROUNDING_NEAREST);
    nearest.measurePrecision();
    FixedEngine stochastic = fixed(tiny, ModelImage.ROUNDING_STOCHASTIC);
    stochastic.measurePrecision();
    FixedPrecision.Layer[] toNearest = train(nearest, tiny, 1).get(0).precision();
    FixedPrecision.Layer[] randomly = train(stochastic, tiny, 1).get(0).precision();
    for (int k = 0; k < 2; k++) {
      assertTrue(toNearest[k].sampledUpdates() > 0, toNearest[k]::toString);
      assertEquals(1.0, toNearest[k].zeroShare(), toNearest[k]::toString);
      assertEquals(0, toNearest[k].halvings());
      assertTrue(randomly[k].zeroShare() >= 0.99, randomly[k]::toString);
    }
  }
}
