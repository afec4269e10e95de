package dev.spela.runtime;

import dev.spela.protocols.image.ModelImage;
import dev.spela.protocols.image.ModelImageDecoder;
import dev.spela.protocols.image.ModelImageEncoder;
import java.util.Random;

/**
 * Test-side float SPELA, exactly the algorithm the fixed engine mirrors: Kaiming-normal init,
 * simplex (or random) unit priors, quantisation to a v1 image, dequantisation from one, and the
 * per-sample float step, in doubles.
 */
public final class FloatModel {

  final int inputSize;
  final int classes;
  final int[] outputs;
  final double[][] w; // input-major
  final double[][] b;
  final double[][] v; // class-major
  double learningRate = 0.01;
  long seed;
  int rounding = ModelImage.ROUNDING_STOCHASTIC;
  double margin = 0.1;
  /** 0: the cosine loss; else the softmax loss with this 1 / T in Q8 (the image's field). */
  int inverseTemperatureQ8;
  boolean[] frozen;
  /** Header flags besides the input statistics' (e.g. combined prediction). */
  int flags;
  /** 0: a constant rate; else the image's cosine schedule over this many steps. */
  int cosineSteps;
  /**
   * Null: inputs are pixels / 255; else input i is {@code (p * 128 - inputOffset[i]) *
   * inputScale[i]} (the image's input statistics, MODEL_FORMAT.md), normalised like any input.
   */
  int[] inputOffset;

  int[] inputScale;

  FloatModel(int inputSize, int classes, int[] outputs) {
    this.inputSize = inputSize;
    this.classes = classes;
    this.outputs = outputs.clone();
    w = new double[outputs.length][];
    b = new double[outputs.length][];
    v = new double[outputs.length][];
    frozen = new boolean[outputs.length];
    for (int k = 0; k < outputs.length; k++) {
      w[k] = new double[inputs(k) * outputs[k]];
      b[k] = new double[outputs[k]];
      v[k] = new double[classes * outputs[k]];
    }
  }

  int inputs(int k) {
    return k == 0 ? inputSize : outputs[k - 1];
  }

  public static FloatModel kaiming(int inputSize, int classes, int[] outputs, long seed) {
    FloatModel m = new FloatModel(inputSize, classes, outputs);
    m.seed = seed;
    Random random = new Random(seed);
    for (int k = 0; k < outputs.length; k++) {
      double sd = Math.sqrt(2.0 / m.inputs(k));
      for (int i = 0; i < m.w[k].length; i++) {
        m.w[k][i] = random.nextGaussian() * sd;
      }
      priors(m.v[k], classes, outputs[k], random);
    }
    return m;
  }

  /**
   * A regular simplex (pairwise cosine -1/(C-1), the Riesz optimum for C <= d+1) turned by a random
   * orthonormal embedding so that every unit takes part; random unit vectors if C > d.
   */
  static void priors(double[] v, int classes, int out, Random random) {
    if (classes > out) {
      for (int i = 0; i < v.length; i++) {
        v[i] = random.nextGaussian();
      }
    } else {
      double[][] basis = new double[classes][out];
      for (int a = 0; a < classes; a++) {
        for (int j = 0; j < out; j++) {
          basis[a][j] = random.nextGaussian();
        }
        for (int p = 0; p < a; p++) {
          double dot = 0;
          for (int j = 0; j < out; j++) {
            dot += basis[a][j] * basis[p][j];
          }
          for (int j = 0; j < out; j++) {
            basis[a][j] -= dot * basis[p][j];
          }
        }
        double n = norm(basis[a]);
        for (int j = 0; j < out; j++) {
          basis[a][j] /= n;
        }
      }
      for (int c = 0; c < classes; c++) {
        for (int a = 0; a < classes; a++) {
          double s = (a == c ? 1 : 0) - 1.0 / classes;
          for (int j = 0; j < out; j++) {
            v[c * out + j] += s * basis[a][j];
          }
        }
      }
    }
    for (int c = 0; c < classes; c++) {
      double norm = 0;
      for (int j = 0; j < out; j++) {
        norm += v[c * out + j] * v[c * out + j];
      }
      for (int j = 0; j < out; j++) {
        v[c * out + j] /= Math.sqrt(norm);
      }
    }
  }

  /** Random input statistics: offsets over the whole pixel range, scales from 0.5 to 10. */
  FloatModel withInputStatistics(long statisticsSeed) {
    Random random = new Random(statisticsSeed);
    inputOffset = new int[inputSize];
    inputScale = new int[inputSize];
    for (int i = 0; i < inputSize; i++) {
      inputOffset[i] = random.nextInt(ModelImage.MAX_INPUT_OFFSET + 1);
      inputScale[i] = 2048 + random.nextInt(40960 - 2048);
    }
    return this;
  }

  public byte[] toImage() {
    int flags = this.flags | (inputOffset == null ? 0 : ModelImage.FLAG_INPUT_STATISTICS);
    int size = ModelImage.imageSize(inputSize, classes, outputs, outputs.length, flags);
    byte[] image = new byte[size];
    ModelImageEncoder e = new ModelImageEncoder().wrap(image, 0, size);
    e.layout(inputSize, classes, outputs, outputs.length, flags);
    for (int i = 0; inputOffset != null && i < inputSize; i++) {
      e.inputStatistic(i, inputOffset[i], inputScale[i]);
    }
    e.learningRate((int) Math.round(learningRate * (1 << 24)))
        .earlyExitMargin((int) Math.round(margin * 32768))
        .roundingMode(rounding)
        .loss(inverseTemperatureQ8 == 0 ? ModelImage.LOSS_COSINE : ModelImage.LOSS_SOFTMAX, inverseTemperatureQ8)
        .schedule(cosineSteps == 0 ? ModelImage.SCHEDULE_CONSTANT : ModelImage.SCHEDULE_COSINE, cosineSteps)
        .rngSeed(seed)
        .samplesSeen(0);
    for (int k = 0; k < outputs.length; k++) {
      int f = ModelImage.maxInputFracBits(inputs(k));
      double max = 0;
      for (double x : w[k]) {
        max = Math.max(max, Math.abs(x));
      }
      int exponent =
          max == 0 ? -30 : (int) Math.ceil(Math.log(max / ModelImage.MAX_ABS_WEIGHT) / Math.log(2));
      while (max > ModelImage.MAX_ABS_WEIGHT * Math.pow(2, exponent)) {
        exponent++;
      }
      e.layerFormat(k, exponent, f, frozen[k]);
      for (int i = 0; i < w[k].length; i++) {
        e.weight(k, i, (int) Math.round(w[k][i] / Math.pow(2, exponent)));
      }
      for (int j = 0; j < outputs[k]; j++) {
        long q = Math.round(b[k][j] / Math.pow(2, exponent - f));
        e.bias(
            k, j, (int) Math.max(-ModelImage.MAX_ABS_BIAS, Math.min(ModelImage.MAX_ABS_BIAS, q)));
      }
      for (int i = 0; i < v[k].length; i++) {
        e.prior(k, i, (int) Math.max(-32768, Math.min(32767, Math.round(v[k][i] * 32768))));
      }
    }
    e.seal();
    return image;
  }

  static FloatModel fromImage(byte[] image) {
    ModelImageDecoder d = new ModelImageDecoder().wrap(image, 0, image.length);
    int[] outputs = new int[d.layerCount()];
    for (int k = 0; k < outputs.length; k++) {
      outputs[k] = d.outputs(k);
    }
    FloatModel m = new FloatModel(d.inputSize(), d.classCount(), outputs);
    m.learningRate = d.learningRate() / (double) (1 << 24);
    if (d.hasInputStatistics()) {
      m.inputOffset = new int[m.inputSize];
      m.inputScale = new int[m.inputSize];
      for (int i = 0; i < m.inputSize; i++) {
        m.inputOffset[i] = d.inputOffset(i);
        m.inputScale[i] = d.inputScale(i);
      }
    }
    for (int k = 0; k < outputs.length; k++) {
      double ws = Math.pow(2, d.weightExponent(k));
      double bs = Math.pow(2, d.biasExponent(k));
      for (int i = 0; i < m.w[k].length; i++) {
        m.w[k][i] = d.weight(k, i) * ws;
      }
      for (int j = 0; j < outputs[k]; j++) {
        m.b[k][j] = d.bias(k, j) * bs;
      }
      for (int i = 0; i < m.v[k].length; i++) {
        m.v[k][i] = d.prior(k, i) / 32768.0;
      }
      m.frozen[k] = d.frozen(k);
    }
    return m;
  }

  /**
   * Output h of every layer for one sample; with {@code label >= 0} also applies the SPELA update.
   */
  double[][] step(byte[] pixels, int label) {
    double[] x = new double[inputSize];
    for (int i = 0; i < inputSize; i++) {
      int p = pixels[i] & 0xFF;
      x[i] = inputOffset == null ? p / 255.0 : (p * 128.0 - inputOffset[i]) * inputScale[i];
    }
    double[][] hs = new double[outputs.length][];
    for (int k = 0; k < outputs.length; k++) {
      int in = inputs(k);
      int out = outputs[k];
      double[] h = new double[out];
      double xn = norm(x);
      hs[k] = h;
      if (xn == 0) {
        x = h;
        continue;
      }
      double[] hin = new double[in];
      for (int i = 0; i < in; i++) {
        hin[i] = x[i] / xn;
      }
      double[] z = b[k].clone();
      for (int i = 0; i < in; i++) {
        for (int j = 0; j < out; j++) {
          z[j] += w[k][i * out + j] * hin[i];
        }
      }
      for (int j = 0; j < out; j++) {
        h[j] = Math.max(z[j], 0);
      }
      double n = norm(h);
      if (label >= 0 && n > 0 && !frozen[k]) {
        double c = 0;
        for (int j = 0; j < out; j++) {
          c += h[j] / n * v[k][label * out + j];
        }
        for (int j = 0; j < out; j++) {
          double g = z[j] > 0 ? -(v[k][label * out + j] - c * h[j] / n) / n : 0;
          for (int i = 0; i < in; i++) {
            w[k][i * out + j] -= learningRate * g * hin[i];
          }
          b[k][j] -= learningRate * g;
        }
      }
      x = h;
    }
    return hs;
  }

  /** Cosine of layer k's output {@code h} with class c's vector (0 for a zero output). */
  double cosine(double[] h, int k, int c) {
    double n = norm(h);
    double s = 0;
    for (int j = 0; j < outputs[k]; j++) {
      s += h[j] * v[k][c * outputs[k] + j];
    }
    return n == 0 ? 0 : s / n;
  }

  int predict(double[] h, int k) {
    int out = outputs[k];
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      double s = 0;
      for (int j = 0; j < out; j++) {
        s += h[j] * v[k][c * out + j];
      }
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  }

  static double norm(double[] x) {
    double s = 0;
    for (double a : x) {
      s += a * a;
    }
    return Math.sqrt(s);
  }
}
