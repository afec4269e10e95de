package dev.spela.priors;

import java.util.Locale;
import org.apache.commons.math3.random.Well19937c;

/**
 * The fixed class vectors ("priors") of one SPELA layer: {@code classes} unit vectors in R^{@code
 * dim}, never trained. Immutable; the same method, sizes and seed give the same vectors bit for bit
 * on any JVM (all random draws come from a Well19937c generator seeded with the seed, and Java
 * arithmetic is strict IEEE 754). How they are made: priors.md beside this class.
 *
 * <p>Also holds the statistics that say how well the vectors are spread: the Riesz s=1 energy (sum
 * over pairs of 1/distance) and the smallest and largest cosine between two different vectors. For
 * a regular simplex (the Riesz optimum when classes <= dim + 1) every cosine is -1/(classes - 1).
 */
public final class Priors {
  /**
   * More classes are rejected: the Riesz minimisation costs about classes^3 operations (512 classes
   * in R^512 take seconds), and no layer this toolchain builds has that many.
   */
  public static final int MAX_CLASSES = 512;

  /** Largest classes * dim: the pairwise statistics cost classes^2 * dim operations. */
  public static final long MAX_ELEMENTS = 1L << 22;

  private final PriorMethod method;
  private final long seed;
  private final int classes;
  private final int dim;
  private final double[] vectors;
  private final double energy;
  private final double minCos;
  private final double maxCos;

  private Priors(PriorMethod method, long seed, int classes, int dim, double[] vectors) {
    this.method = method;
    this.seed = seed;
    this.classes = classes;
    this.dim = dim;
    // Exactly unit length whatever the generation left (the subspace embedding rounds a little).
    Sphere.normaliseRows(vectors, dim);
    this.vectors = vectors;
    double e = 0;
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < classes; i++) {
      for (int j = i + 1; j < classes; j++) {
        double dot = 0;
        double r2 = 0;
        for (int k = 0; k < dim; k++) {
          double u = vectors[i * dim + k];
          double v = vectors[j * dim + k];
          dot += u * v;
          r2 += (u - v) * (u - v);
        }
        e += 1 / Math.sqrt(r2);
        lo = Math.min(lo, dot);
        hi = Math.max(hi, dot);
      }
    }
    this.energy = e;
    this.minCos = classes < 2 ? Double.NaN : lo;
    this.maxCos = classes < 2 ? Double.NaN : hi;
  }

  /**
   * Vectors at a minimum of the Riesz s=1 energy on the unit sphere (the paper's method). For
   * classes <= dim + 1 this is a regular simplex; above that, the minimum the descent reaches from
   * the seeded start (many points in few dimensions have several local minima).
   *
   * @throws IllegalArgumentException for classes or dim below 1, more than {@link #MAX_CLASSES}
   *     classes or {@link #MAX_ELEMENTS} values, or more than 2 classes in dimension 1 (they would
   *     coincide: infinite energy)
   */
  public static Priors riesz(int classes, int dim, long seed) {
    checkSizes(classes, dim);
    if (dim == 1 && classes > 2) {
      throw new IllegalArgumentException(
          "riesz priors need dim >= 2 for more than 2 classes (dim 1 has only 2 unit vectors), got "
              + classes
              + " classes");
    }
    double[] vectors = RieszMinimizer.minimise(classes, dim, new Well19937c(seed));
    return new Priors(PriorMethod.RIESZ, seed, classes, dim, vectors);
  }

  /**
   * Vectors with independent standard normal components, normalised: uniformly random directions
   * (the paper's ablation).
   *
   * @throws IllegalArgumentException for classes or dim below 1, more than {@link #MAX_CLASSES}
   *     classes or {@link #MAX_ELEMENTS} values
   */
  public static Priors random(int classes, int dim, long seed) {
    checkSizes(classes, dim);
    double[] vectors = Sphere.gaussian(classes * dim, new Well19937c(seed));
    return new Priors(PriorMethod.RANDOM, seed, classes, dim, vectors);
  }

  /**
   * Non-negative vectors a ReLU layer can reach exactly: each component (unit) is switched on, with
   * value 1 before normalisation, for a random half of the classes (rounded down; every unit a
   * different random split, as in error-correcting output codes), then each vector is normalised.
   * Two classes share about half their units: cosines near 1/2 instead of the simplex's -1/(C-1),
   * but a ReLU output can match its class's vector exactly.
   *
   * @throws IllegalArgumentException as {@link #random}, and for fewer than 2 classes
   */
  public static Priors binary(int classes, int dim, long seed) {
    checkSizes(classes, dim);
    if (classes < 2) {
      throw new IllegalArgumentException("binary priors need at least 2 classes, got " + classes);
    }
    Well19937c random = new Well19937c(seed);
    double[] vectors = new double[classes * dim];
    int[] classOrder = new int[classes];
    for (int unit = 0; unit < dim; unit++) {
      permutation(classOrder, random);
      for (int t = 0; t < classes / 2; t++) {
        vectors[classOrder[t] * dim + unit] = 1;
      }
    }
    for (int c = 0; c < classes; c++) {
      boolean any = false;
      for (int unit = 0; unit < dim && !any; unit++) {
        any = vectors[c * dim + unit] != 0;
      }
      if (!any) {
        throw new IllegalArgumentException("binary priors in R^" + dim + " left class " + c
            + " without a unit; use more units");
      }
    }
    return new Priors(PriorMethod.BINARY, seed, classes, dim, vectors);
  }

  /**
   * Non-negative, mutually orthogonal vectors: the units are dealt out to the classes in a random
   * order (unit counts differ by at most one), and class c's vector is 1 on its own units, 0
   * elsewhere, normalised. Every unit then learns one class against the rest.
   *
   * @throws IllegalArgumentException as {@link #random}, and for fewer units than classes
   */
  public static Priors blocks(int classes, int dim, long seed) {
    checkSizes(classes, dim);
    if (dim < classes) {
      throw new IllegalArgumentException("block priors need at least one unit per class, got " + dim
          + " units for " + classes + " classes");
    }
    int[] units = new int[dim];
    permutation(units, new Well19937c(seed));
    double[] vectors = new double[classes * dim];
    for (int t = 0; t < dim; t++) {
      vectors[(t % classes) * dim + units[t]] = 1;
    }
    return new Priors(PriorMethod.BLOCKS, seed, classes, dim, vectors);
  }

  /** Fills {@code order} with a uniformly random permutation of 0..n-1 (Fisher-Yates, from the last index down). */
  private static void permutation(int[] order, Well19937c random) {
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  private static void checkSizes(int classes, int dim) {
    if (classes < 1) {
      throw new IllegalArgumentException("classes must be at least 1, got " + classes);
    }
    if (dim < 1) {
      throw new IllegalArgumentException("dim must be at least 1, got " + dim);
    }
    if (classes > MAX_CLASSES) {
      throw new IllegalArgumentException(
          "classes must be at most " + MAX_CLASSES + ", got " + classes);
    }
    if ((long) classes * dim > MAX_ELEMENTS) {
      throw new IllegalArgumentException(
          "classes * dim must be at most " + MAX_ELEMENTS + ", got " + classes + " * " + dim);
    }
  }

  public PriorMethod method() {
    return method;
  }

  public long seed() {
    return seed;
  }

  public int classes() {
    return classes;
  }

  public int dim() {
    return dim;
  }

  /**
   * All vectors as floats, class-major: class c's vector is {@code [c * dim, (c + 1) * dim)}. A new
   * array on each call.
   */
  public float[] toFloatArray() {
    float[] out = new float[vectors.length];
    for (int k = 0; k < out.length; k++) {
      out[k] = (float) vectors[k];
    }
    return out;
  }

  /** A copy of the vector of class c. */
  public double[] vector(int c) {
    checkClass(c);
    double[] out = new double[dim];
    System.arraycopy(vectors, c * dim, out, 0, dim);
    return out;
  }

  /** Component i of the vector of class c. */
  public double component(int c, int i) {
    checkClass(c);
    if (i < 0 || i >= dim) {
      throw new IndexOutOfBoundsException("component " + i + " outside [0, " + dim + ")");
    }
    return vectors[c * dim + i];
  }

  private void checkClass(int c) {
    if (c < 0 || c >= classes) {
      throw new IndexOutOfBoundsException("class " + c + " outside [0, " + classes + ")");
    }
  }

  /** Sum over pairs of classes of 1 / |v_i - v_j|; 0 for one class, infinite if two coincide. */
  public double energy() {
    return energy;
  }

  /** Smallest cosine between two different class vectors; NaN for one class. */
  public double minCos() {
    return minCos;
  }

  /** Largest cosine between two different class vectors; NaN for one class. */
  public double maxCos() {
    return maxCos;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "Priors[%s, %d classes in R^%d, seed %d, energy %.9g, cos %.6f..%.6f]",
        method.name().toLowerCase(Locale.ROOT),
        classes,
        dim,
        seed,
        energy,
        minCos,
        maxCos);
  }
}
