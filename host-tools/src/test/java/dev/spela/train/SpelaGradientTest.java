package dev.spela.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The SPELA update must be a step down the gradient of each layer's own loss, -cos(relu(Wx + b), v). */
class SpelaGradientTest {

  @Test
  void oneStepMatchesTheNumericalGradientOfTheLocalCosineLoss() {
    int[] sizes = {16, 8, 4};
    SpelaNetwork network = ToyData.spela(sizes, 3, 11);
    Samples sample = ToyData.blocks(1, 16, 3, 5);
    DenseLayer first = network.layers()[0];
    float[] before = first.weights().clone();
    float[] biasBefore = first.biases().clone();
    float[] x = new float[16];
    sample.load(0, x, new int[16], true);
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
        double up = loss(w, biasBefore, x, prior, label);
        w[index] -= 2 * h;
        double down = loss(w, biasBefore, x, prior, label);
        double numerical = (up - down) / (2 * h);
        double step = first.weights()[index] - before[index];
        assertEquals(-lr * numerical, step, 1e-7 + 1e-3 * Math.abs(lr * numerical), "weight " + i + "," + j);
      }
    }
  }

  private static double loss(double[] w, float[] b, float[] x, float[] prior, int label) {
    int out = b.length;
    double[] z = new double[out];
    for (int j = 0; j < out; j++) {
      z[j] = b[j];
      for (int i = 0; i < x.length; i++) {
        z[j] += w[i * out + j] * x[i];
      }
    }
    double dot = 0;
    double norm = 0;
    for (int j = 0; j < out; j++) {
      double hj = Math.max(0, z[j]);
      dot += hj * prior[label * out + j];
      norm += hj * hj;
    }
    return -dot / Math.sqrt(norm);
  }

  private static double[] toDouble(float[] values) {
    double[] result = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = values[i];
    }
    return result;
  }
}
