package dev.spela.cli;

import java.util.Locale;

/** A count and its noun for output lines: "1 device", "4 devices", "1,000 samples". */
final class Plural {
  private Plural() {}

  /** {@code count} and {@code noun}, with an "s" unless the count is one. */
  static String of(long count, String noun) {
    return of(count, noun, noun + "s");
  }

  /** {@code count} and {@code singular} or {@code plural}, for nouns that take more than an "s". */
  static String of(long count, String singular, String plural) {
    return String.format(Locale.ROOT, "%,d %s", count, count == 1 ? singular : plural);
  }
}
