package dev.spela.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spela.priors.PriorMethod;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A SPELA update must be a step down the gradient of each layer's own loss of act(Wx + b) against its class vectors. */
class SpelaGradientTest {

  @ParameterizedTest(name = "{0} loss, slope {1}, normalised inputs {2}")
  @CsvSource({
    "COSINE, 0, true",
    "COSINE, 0.1, true",
    "LOGCOS, 0.001, false",
    "SOFTMAX, 0, true",
    "SOFTMAX, 0.05, false",
    "EUCLIDEAN, 0, true"
  })
  void oneStepMatchesTheNumericalGradientOfTheLocalLoss(LocalLoss loss, float slope, boolean normalise) {
    int[] sizes = {16, 8, 4};
    SpelaSettings settings = new SpelaSettings(new Activation(slope), loss, 0.2f, normalise, false);
    SpelaNetwork network = SpelaNetwork.fresh(sizes, 3, PriorMethod.RIESZ, settings, 11);
    Samples sample = ToyData.blocks(1, 16, 3, 5);
    DenseLayer first = network.layers()[0];
    float[] before = first.weights().clone();
    float[] biasBefore = first.biases().clone();
    float[] x = new float[16];
    sample.load(0, x, new int[16], normalise);
    float[] prior = network.priors()[0];
    int label = sample.label(0);

    float lr = 1e-3f;
    try (ParallelRanges pool = new ParallelRanges(1)) {
      network.trainBatch(sample, new int[] {0}, 0, 1, lr, pool, new double[2]);
    }
    double h = 1e-3;
    for (int i = 0; i < 16; i += 5) {
      for (int j = 0; j < 8; j++) {
        int index = i * 8 + j;
        double[] w = toDouble(before);
        w[index] += h;
        double up = loss(w, biasBefore, x, prior, label, settings);
        w[index] -= 2 * h;
        double down = loss(w, biasBefore, x, prior, label, settings);
        double numerical = (up - down) / (2 * h);
        double step = first.weights()[index] - before[index];
        assertEquals(-lr * numerical, step, 1e-7 + 2e-3 * Math.abs(lr * numerical), "weight " + i + "," + j);
      }
    }
  }

  /** The local loss of layer 1, computed directly from its definition in double precision. */
  private static double loss(double[] w, float[] b, float[] x, float[] prior, int label, SpelaSettings settings) {
    int out = b.length;
    int classes = prior.length / out;
    double[] h = new double[out];
    for (int j = 0; j < out; j++) {
      double z = b[j];
      for (int i = 0; i < x.length; i++) {
        z += w[i * out + j] * x[i];
      }
      h[j] = z > 0 ? z : settings.activation().slope() * z;
    }
    double norm = 0;
    for (double v : h) {
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    double[] cos = new double[classes];
    double euclidean = 0;
    for (int c = 0; c < classes; c++) {
      double dot = 0;
      for (int j = 0; j < out; j++) {
        dot += h[j] * prior[c * out + j];
        if (c == label) {
          euclidean += (h[j] - prior[c * out + j]) * (h[j] - prior[c * out + j]);
        }
      }
      cos[c] = dot / norm;
    }
    switch (settings.loss()) {
      case COSINE:
        return -cos[label];
      case LOGCOS:
        return Math.log(2 - cos[label]);
      case EUCLIDEAN:
        return euclidean / 2;
      default:
        double sum = 0;
        for (double c : cos) {
          sum += Math.exp(c / settings.temperature());
        }
        return Math.log(sum) - cos[label] / settings.temperature();
    }
  }

  private static double[] toDouble(float[] values) {
    double[] result = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = values[i];
    }
    return result;
  }
}
