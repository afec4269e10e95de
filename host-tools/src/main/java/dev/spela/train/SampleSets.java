package dev.spela.train;

import java.util.SplittableRandom;

/** Ways to cut and recombine splits for experiments: class subsets and few-shot resplits. */
public final class SampleSets {
  private SampleSets() {}

  /**
   * The samples of {@code data} whose label is in {@code [first, last]}, relabelled from 0 (so
   * digits 5-9 become classes 0-4), in their stored order.
   */
  public static Samples onlyClasses(Samples data, int first, int last) {
    if (first < 0 || last < first || last >= data.classes()) {
      throw new IllegalArgumentException("classes " + first + "-" + last + " are not within 0-" + (data.classes() - 1));
    }
    int n = data.inputSize();
    int kept = 0;
    for (int s = 0; s < data.count(); s++) {
      int label = data.label(s);
      if (label >= first && label <= last) {
        kept++;
      }
    }
    byte[] pixels = new byte[kept * n];
    byte[] labels = new byte[kept];
    int t = 0;
    for (int s = 0; s < data.count(); s++) {
      int label = data.label(s);
      if (label >= first && label <= last) {
        System.arraycopy(data.pixels(), s * n, pixels, t * n, n);
        labels[t++] = (byte) (label - first);
      }
    }
    return new Samples(pixels, labels, kept, n, last - first + 1);
  }

  /**
   * The few-shot protocol: {@code train} and {@code test} merged, a random {@code fraction} of the
   * merged samples (rounded to nearest, drawn from {@code seed}) to train on, the rest held out.
   *
   * @return the new training and held-out sets, in that order
   */
  public static Samples[] resplit(Samples train, Samples test, double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("the training fraction must be between 0 and 1, got " + fraction);
    }
    if (train.inputSize() != test.inputSize()) {
      throw new IllegalArgumentException("the splits' samples differ in size");
    }
    int n = train.inputSize();
    int total = train.count() + test.count();
    int[] order = new int[total];
    for (int i = 0; i < total; i++) {
      order[i] = i;
    }
    Trainer.shuffle(order, new SplittableRandom(seed ^ 0xF3_5407L));
    int trainCount = (int) Math.max(1, Math.min(total - 1, Math.round(total * fraction)));
    Samples[] result = new Samples[2];
    for (int part = 0; part < 2; part++) {
      int from = part == 0 ? 0 : trainCount;
      int count = part == 0 ? trainCount : total - trainCount;
      byte[] pixels = new byte[count * n];
      byte[] labels = new byte[count];
      for (int t = 0; t < count; t++) {
        int sample = order[from + t];
        Samples source = sample < train.count() ? train : test;
        int index = sample < train.count() ? sample : sample - train.count();
        System.arraycopy(source.pixels(), index * n, pixels, t * n, n);
        labels[t] = (byte) source.label(index);
      }
      result[part] = new Samples(pixels, labels, count, n, Math.max(train.classes(), test.classes()));
    }
    return result;
  }
}
