package dev.spela.priors;

import java.util.Arrays;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * Places points on the unit sphere at a minimum of the Riesz s=1 energy, the sum over pairs of
 * 1/|x_i - x_j| (the electrostatic method of Saff and Kuijlaars, 1997).
 *
 * <p>The minimisation runs in R^m with m = min(dim, n - 1): n points always fit an
 * (n-1)-dimensional subspace, and for n <= dim + 1 the minimum is the regular simplex, which spans
 * exactly that. The result is then turned into R^dim by a seeded random orthonormal basis, so the
 * vectors spread over every coordinate as they would had the whole space been simulated
 * (zero-padding instead would give every layer output past the first m a zero target in every
 * class). This makes C = 34 in R^1000 about as cheap as in R^33.
 *
 * <p>The optimiser is Riemannian gradient descent: step along the tangential gradient, then
 * normalise each point back onto the sphere. Step lengths are Barzilai-Borwein (spectral) steps,
 * safeguarded by the non-monotone line search of Grippo, Lampariello and Lucidi. Measured against
 * Commons Math's NonLinearConjugateGradientOptimizer on the normalised coordinates, it needs about
 * a tenth of the energy evaluations (that optimiser's Brent line search spends about ten per
 * iteration; C = 34: 33 evaluations instead of 342), and it stops on the gradient rather than on a
 * change of value, so simplex cosines land within 1e-7 of -1/(C-1) instead of 1e-5 (C = 100).
 */
final class RieszMinimizer {
  /**
   * Stop when the RMS tangential gradient is this small relative to the mean potential per point.
   */
  private static final double GRADIENT_TOLERANCE = 1e-10;

  /** Bound on descent iterations; many points in a low dimension converge slowly near the end. */
  private static final int MAX_ITERATIONS = 2_000;

  /** A step is accepted when it improves on the worst of this many recent energies. */
  private static final int HISTORY = 10;

  /** Armijo constant of the line search. */
  private static final double SUFFICIENT_DECREASE = 1e-4;

  /** The first step moves the point with the largest gradient by this much. */
  private static final double FIRST_DISPLACEMENT = 0.1;

  /** A step smaller than this (times the gradient) no longer changes a double-precision point. */
  private static final double SMALLEST_MOVE = 1e-15;

  private RieszMinimizer() {}

  /**
   * The points, row-major: point i is {@code [i * dim, (i + 1) * dim)}, each of unit length.
   *
   * @param points number of points, at least 1; at most 2 when dim is 1
   * @param dim dimension of the space, at least 1
   */
  static double[] minimise(int points, int dim, RandomGenerator random) {
    int sub = points <= 2 ? 1 : Math.min(dim, points - 1);
    double[] basis = sub == dim ? null : orthonormalRows(sub, dim, random);
    double[] inSub = points <= 2 ? antipodal(points) : descend(points, sub, random);
    return basis == null ? inSub : embed(inSub, points, sub, basis, dim);
  }

  /** One point, or two opposite points, on the line: the exact minima. */
  private static double[] antipodal(int points) {
    return points == 1 ? new double[] {1} : new double[] {1, -1};
  }

  private static double[] descend(int n, int m, RandomGenerator random) {
    double[] x = Sphere.gaussian(n * m, random);
    Sphere.normaliseRows(x, m);
    double[] g = new double[n * m];
    double e = energyAndGradient(x, n, m, g);
    double[] recent = new double[HISTORY];
    Arrays.fill(recent, e);
    double[] best = x.clone();
    double bestEnergy = e;
    double[] trial = new double[n * m];
    double[] trialGradient = new double[n * m];
    double step = FIRST_DISPLACEMENT / maxRowNorm(g, m);

    for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      double gg = dot(g, g);
      if (Math.sqrt(gg / n) <= GRADIENT_TOLERANCE * 2 * e / n) {
        break;
      }
      double reference = max(recent);
      double trialEnergy;
      while (true) {
        for (int k = 0; k < trial.length; k++) {
          trial[k] = x[k] - step * g[k];
        }
        Sphere.normaliseRows(trial, m);
        trialEnergy = energyAndGradient(trial, n, m, trialGradient);
        if (trialEnergy <= reference - SUFFICIENT_DECREASE * step * gg) {
          break;
        }
        step *= 0.5;
        if (step * Math.sqrt(gg) < SMALLEST_MOVE) {
          return best;
        }
      }
      double ss = 0;
      double sy = 0;
      for (int k = 0; k < trial.length; k++) {
        double s = trial[k] - x[k];
        ss += s * s;
        sy += s * (trialGradient[k] - g[k]);
      }
      // Spectral step from the last move; keep the current one where the curvature is not positive.
      if (sy > 0) {
        step = ss / sy;
      }
      double[] swap = x;
      x = trial;
      trial = swap;
      swap = g;
      g = trialGradient;
      trialGradient = swap;
      e = trialEnergy;
      recent[iteration % HISTORY] = e;
      if (e < bestEnergy) {
        bestEnergy = e;
        System.arraycopy(x, 0, best, 0, x.length);
      }
    }
    return best;
  }

  /**
   * The energy of the unit rows of x, and in {@code gradient} its gradient projected onto the
   * tangent space of each point (the radial part would only change lengths).
   */
  private static double energyAndGradient(double[] x, int n, int m, double[] gradient) {
    Arrays.fill(gradient, 0);
    double energy = 0;
    for (int i = 0; i < n; i++) {
      int a = i * m;
      for (int j = i + 1; j < n; j++) {
        int b = j * m;
        double r2 = 0;
        for (int k = 0; k < m; k++) {
          double d = x[a + k] - x[b + k];
          r2 += d * d;
        }
        double r = Math.sqrt(r2);
        energy += 1 / r;
        double f = 1 / (r * r2);
        for (int k = 0; k < m; k++) {
          double d = (x[a + k] - x[b + k]) * f;
          gradient[a + k] -= d;
          gradient[b + k] += d;
        }
      }
    }
    for (int i = 0; i < n; i++) {
      int a = i * m;
      double radial = 0;
      for (int k = 0; k < m; k++) {
        radial += gradient[a + k] * x[a + k];
      }
      for (int k = 0; k < m; k++) {
        gradient[a + k] -= radial * x[a + k];
      }
    }
    return energy;
  }

  /** {@code rows} orthonormal vectors of length dim from Gaussian ones (Gram-Schmidt, twice). */
  private static double[] orthonormalRows(int rows, int dim, RandomGenerator random) {
    double[] q = Sphere.gaussian(rows * dim, random);
    for (int i = 0; i < rows; i++) {
      int a = i * dim;
      // A second pass removes what rounding left of the earlier directions ("twice is enough").
      for (int pass = 0; pass < 2; pass++) {
        for (int j = 0; j < i; j++) {
          int b = j * dim;
          double p = 0;
          for (int k = 0; k < dim; k++) {
            p += q[a + k] * q[b + k];
          }
          for (int k = 0; k < dim; k++) {
            q[a + k] -= p * q[b + k];
          }
        }
      }
      Sphere.normaliseRow(q, a, dim);
    }
    return q;
  }

  /** Row i of the result is sum over k of x[i][k] times basis row k. */
  private static double[] embed(double[] x, int n, int m, double[] basis, int dim) {
    double[] out = new double[n * dim];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < m; k++) {
        double c = x[i * m + k];
        int b = k * dim;
        int o = i * dim;
        for (int t = 0; t < dim; t++) {
          out[o + t] += c * basis[b + t];
        }
      }
    }
    return out;
  }

  private static double maxRowNorm(double[] g, int width) {
    double max = 0;
    for (int a = 0; a < g.length; a += width) {
      double s = 0;
      for (int k = 0; k < width; k++) {
        s += g[a + k] * g[a + k];
      }
      max = Math.max(max, s);
    }
    return Math.sqrt(max);
  }

  private static double dot(double[] u, double[] v) {
    double s = 0;
    for (int k = 0; k < u.length; k++) {
      s += u[k] * v[k];
    }
    return s;
  }

  private static double max(double[] values) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      max = Math.max(max, v);
    }
    return max;
  }
}
