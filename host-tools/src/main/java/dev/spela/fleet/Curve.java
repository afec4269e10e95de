package dev.spela.fleet;

import java.util.ArrayList;
import java.util.List;

/**
 * One device's learning curves for the dashboard: per stored record, samples seen and each layer's
 * training accuracy (%) and loss, kept in order of samples seen; plus held-out evaluations. At most
 * {@link #MAX_POINTS} points are kept: when full, every other point is dropped (older points are
 * thinned, the curve keeps its whole span). Every change other than an append at the end bumps
 * {@link #generation()}, telling a page to take the whole series again.
 */
final class Curve {

  static final int MAX_POINTS = 4_000;

  private record Point(long samples, double[] accuracy, double[] loss) {}

  private String image;
  private final List<Point> points = new ArrayList<>();
  private final List<FleetSnapshot.HeldOut> heldOut = new ArrayList<>();
  private int layers;
  private long generation;

  /** @param image the SHA-256 of the image whose training it follows, or null if not known yet */
  Curve(String image, long generation) {
    this.image = image;
    this.generation = generation;
  }

  String image() {
    return image;
  }

  /** Names the image of a curve begun before it was known. */
  void adopt(String image) {
    this.image = image;
  }

  long generation() {
    return generation;
  }

  int size() {
    return points.size();
  }

  int heldOutCount() {
    return heldOut.size();
  }

  void add(TelemetryRecord record) {
    int n = record.layers().size();
    double[] accuracy = new double[n];
    double[] loss = new double[n];
    for (int k = 0; k < n; k++) {
      accuracy[k] = round(record.layers().get(k).accuracy() * 100);
      loss[k] = round(record.layers().get(k).loss());
    }
    layers = Math.max(layers, n);
    Point point = new Point(record.samplesSeen(), accuracy, loss);
    int at = points.size();
    while (at > 0 && points.get(at - 1).samples() > point.samples()) {
      at--;
    }
    points.add(at, point);
    if (at < points.size() - 1) {
      generation++; // inserted, not appended (a restart from an older checkpoint)
    }
    if (points.size() > MAX_POINTS) {
      List<Point> kept = new ArrayList<>(points.size() / 2 + 1);
      for (int k = 0; k < points.size(); k += 2) {
        kept.add(points.get(k));
      }
      if (kept.get(kept.size() - 1) != points.get(points.size() - 1)) {
        kept.add(points.get(points.size() - 1)); // the newest point always stays
      }
      points.clear();
      points.addAll(kept);
      generation++;
    }
  }

  void addHeldOut(FleetSnapshot.HeldOut evaluation) {
    heldOut.add(evaluation);
    layers = Math.max(layers, evaluation.accuracy().length);
  }

  /** The points from index {@code from} on, with every held-out evaluation. */
  FleetSnapshot.Curves from(int from) {
    int n = Math.max(0, points.size() - from);
    long[] samples = new long[n];
    Double[][] accuracy = new Double[layers][n]; // null where a record had fewer layers (JSON null)
    Double[][] loss = new Double[layers][n];
    for (int i = 0; i < n; i++) {
      Point p = points.get(from + i);
      samples[i] = p.samples();
      for (int k = 0; k < layers; k++) {
        accuracy[k][i] = k < p.accuracy().length ? p.accuracy()[k] : null;
        loss[k][i] = k < p.loss().length ? p.loss()[k] : null;
      }
    }
    return new FleetSnapshot.Curves(generation, from, layers, samples, accuracy, loss, List.copyOf(heldOut));
  }

  static double round(double value) {
    return Math.round(value * 10_000) / 10_000.0;
  }
}
