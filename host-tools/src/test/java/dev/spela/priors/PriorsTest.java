package dev.spela.priors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class PriorsTest {

  private static final double SIMPLEX_COSINE_TOLERANCE = 1e-3;
  private static final double UNIT_NORM_TOLERANCE = 1e-9;

  @ParameterizedTest(name = "{0} classes in R^{1}")
  @CsvSource({
    "10, 34",
    "34, 1000",
    "10, 10",
    "11, 10",
    "3, 2",
    "2, 1",
    "2, 7",
    "10, 1024",
    "100, 128"
  })
  void rieszGivesARegularSimplexWhenClassesFitTheDimension(int classes, int dim) {
    Priors priors = Priors.riesz(classes, dim, 1);

    double simplex = -1.0 / (classes - 1);
    for (int a = 0; a < classes; a++) {
      for (int b = a + 1; b < classes; b++) {
        assertEquals(
            simplex, cosine(priors, a, b), SIMPLEX_COSINE_TOLERANCE, "cos(" + a + ", " + b + ")");
      }
    }
    assertEquals(simplex, priors.minCos(), SIMPLEX_COSINE_TOLERANCE);
    assertEquals(simplex, priors.maxCos(), SIMPLEX_COSINE_TOLERANCE);
    // Every pair of the simplex is 2C/(C-1) apart squared.
    double simplexEnergy = classes * (classes - 1) / 2.0 / Math.sqrt(2.0 * classes / (classes - 1));
    assertEquals(simplexEnergy, priors.energy(), 1e-9 * simplexEnergy);
  }

  @ParameterizedTest(name = "{0}: {1} classes in R^{2}")
  @CsvSource({
    "RIESZ, 10, 34",
    "RIESZ, 34, 1000",
    "RIESZ, 12, 3",
    "RIESZ, 1, 4",
    "RANDOM, 10, 34",
    "RANDOM, 34, 1000",
    "RANDOM, 3, 1"
  })
  void everyVectorHasUnitLength(PriorMethod method, int classes, int dim) {
    Priors priors = method.generate(classes, dim, 3);

    for (int c = 0; c < classes; c++) {
      double[] v = priors.vector(c);
      assertEquals(dim, v.length);
      assertEquals(1.0, Math.sqrt(dot(v, v)), UNIT_NORM_TOLERANCE, "|v_" + c + "|");
    }
  }

  @ParameterizedTest
  @EnumSource(PriorMethod.class)
  void theSameSeedGivesTheSameVectorsAndAnotherSeedOthers(PriorMethod method) {
    Priors first = method.generate(10, 34, 42);
    Priors again = method.generate(10, 34, 42);
    Priors other = method.generate(10, 34, 43);

    assertArrayEquals(first.toFloatArray(), again.toFloatArray());
    for (int c = 0; c < 10; c++) {
      assertArrayEquals(first.vector(c), again.vector(c));
    }
    assertEquals(first.energy(), again.energy());
    assertFalse(Arrays.equals(first.toFloatArray(), other.toFloatArray()));
  }

  @ParameterizedTest(name = "{0} classes in R^{1}")
  @CsvSource({"10, 34", "34, 1000", "10, 1024", "12, 3", "34, 10", "100, 10"})
  void rieszSpreadsTheClassesBetterThanRandomDirections(int classes, int dim) {
    Priors riesz = Priors.riesz(classes, dim, 5);
    Priors random = Priors.random(classes, dim, 5);

    assertTrue(riesz.energy() < random.energy(), riesz + " vs " + random);
    assertTrue(riesz.maxCos() < random.maxCos(), riesz + " vs " + random);
  }

  @Test
  void twelvePointsInThreeDimensionsFormAnIcosahedron() {
    Priors priors = Priors.riesz(12, 3, 1);

    // The minimum Riesz s=1 energy of 12 points on S^2 (the Thomson problem) is the icosahedron's.
    assertEquals(49.165253058, priors.energy(), 1e-8);
    // Nearest neighbours are an edge apart: cos = 1/sqrt(5); every vertex has an antipode.
    assertEquals(1 / Math.sqrt(5), priors.maxCos(), 1e-6);
    assertEquals(-1.0, priors.minCos(), 1e-9);
  }

  @Test
  void fourPointsInThePlaneFormASquare() {
    Priors priors = Priors.riesz(4, 2, 1);

    assertEquals(2 * Math.sqrt(2) + 1, priors.energy(), 1e-9);
    assertEquals(0.0, priors.maxCos(), 1e-6);
    assertEquals(-1.0, priors.minCos(), 1e-9);
  }

  @Test
  void manyPointsInFewDimensionsComeCloseToTheBestKnownEnergy() {
    // Best known energy of 100 points on S^2; descent may stop in a nearby local minimum.
    double bestKnown = 4448.350634331;

    Priors priors = Priors.riesz(100, 3, 1);

    assertTrue(priors.energy() >= bestKnown - 1e-6, priors.toString());
    assertTrue(priors.energy() < bestKnown * (1 + 1e-4), priors.toString());
  }

  @Test
  void oneClassIsOneUnitVectorWithoutPairs() {
    Priors priors = Priors.riesz(1, 5, 1);

    assertEquals(1, priors.classes());
    assertEquals(1.0, Math.sqrt(dot(priors.vector(0), priors.vector(0))), UNIT_NORM_TOLERANCE);
    assertEquals(0.0, priors.energy());
    assertTrue(Double.isNaN(priors.minCos()));
    assertTrue(Double.isNaN(priors.maxCos()));
  }

  @Test
  void twoClassesAreAntipodal() {
    Priors priors = Priors.riesz(2, 16, 1);

    assertEquals(-1.0, priors.minCos(), 1e-12);
    assertEquals(0.5, priors.energy(), 1e-12);
  }

  @Test
  void theSimplexIsTurnedToUseEveryCoordinate() {
    int classes = 10;
    int dim = 1000;
    Priors priors = Priors.riesz(classes, dim, 1);

    // A simplex left in the first C-1 coordinates would give all other outputs zero targets.
    double outside = 0;
    for (int c = 0; c < classes; c++) {
      for (int i = classes - 1; i < dim; i++) {
        outside += priors.component(c, i) * priors.component(c, i);
      }
    }
    assertTrue(
        outside / classes > 0.9,
        "share of length outside the first coordinates: " + outside / classes);
  }

  @Test
  void theFloatArrayIsClassMajor() {
    Priors priors = Priors.riesz(5, 7, 1);

    float[] floats = priors.toFloatArray();

    assertEquals(5 * 7, floats.length);
    for (int c = 0; c < 5; c++) {
      for (int i = 0; i < 7; i++) {
        assertEquals((float) priors.component(c, i), floats[c * 7 + i]);
        assertEquals(priors.vector(c)[i], priors.component(c, i));
      }
    }
    floats[0] = 99;
    assertEquals((float) priors.component(0, 0), priors.toFloatArray()[0], "a copy each call");
  }

  @Test
  void theStatisticsMatchTheVectors() {
    Priors priors = Priors.random(6, 4, 9);

    double energy = 0;
    double lo = 2;
    double hi = -2;
    for (int a = 0; a < 6; a++) {
      for (int b = a + 1; b < 6; b++) {
        double[] u = priors.vector(a);
        double[] v = priors.vector(b);
        energy += 1 / Math.sqrt(2 - 2 * dot(u, v));
        lo = Math.min(lo, dot(u, v));
        hi = Math.max(hi, dot(u, v));
      }
    }
    assertEquals(energy, priors.energy(), 1e-9 * energy);
    assertEquals(lo, priors.minCos(), 1e-12);
    assertEquals(hi, priors.maxCos(), 1e-12);
    assertEquals(PriorMethod.RANDOM, priors.method());
    assertEquals(9, priors.seed());
    assertEquals(6, priors.classes());
    assertEquals(4, priors.dim());
  }

  @ParameterizedTest(name = "{0}: {1} classes in R^{2}")
  @CsvSource({
    "RIESZ, 0, 10, 'classes must be at least 1, got 0'",
    "RANDOM, -3, 10, 'classes must be at least 1, got -3'",
    "RIESZ, 10, 0, 'dim must be at least 1, got 0'",
    "RANDOM, 10, -1, 'dim must be at least 1, got -1'",
    "RIESZ, 513, 1000, 'classes must be at most 512, got 513'",
    "RIESZ, 512, 10000, 'classes * dim must be at most 4194304, got 512 * 10000'",
    "RIESZ, 3, 1, 'riesz priors need dim >= 2 for more than 2 classes (dim 1 has only 2 unit"
        + " vectors), got 3 classes'"
  })
  void badSizesAreRejectedWithAClearMessage(
      PriorMethod method, int classes, int dim, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> method.generate(classes, dim, 1));
    assertEquals(message, e.getMessage());
  }

  @Test
  void accessorsRejectIndicesOutsideThePriors() {
    Priors priors = Priors.random(3, 4, 1);

    assertThrows(IndexOutOfBoundsException.class, () -> priors.vector(3));
    assertThrows(IndexOutOfBoundsException.class, () -> priors.component(-1, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> priors.component(0, 4));
  }

  private static double cosine(Priors priors, int a, int b) {
    double[] u = priors.vector(a);
    double[] v = priors.vector(b);
    return dot(u, v) / Math.sqrt(dot(u, u) * dot(v, v));
  }

  private static double dot(double[] u, double[] v) {
    double s = 0;
    for (int k = 0; k < u.length; k++) {
      s += u[k] * v[k];
    }
    return s;
  }
}
