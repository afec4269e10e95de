package dev.spela.cli;

import dev.spela.priors.PriorMethod;
import dev.spela.priors.Priors;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.tinylog.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spela priors}: generates the class vectors of one layer and reports how evenly they
 * spread.
 */
@Command(
    name = "priors",
    mixinStandardHelpOptions = true,
    description = {
      "Generate one SPELA layer's class vectors (priors) and show how evenly they spread.",
      "The priors are C unit vectors in R^D, fixed during training. Printed: their",
      "Riesz energy (sum over pairs of 1/distance, lower is more even) and the",
      "smallest and largest cosine between two of them. The same method, sizes and",
      "seed always give the same vectors.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  spela priors --classes 10 --dim 34",
      "  spela priors --classes 34 --dim 1000 --seed 7 --json",
      "  spela priors --classes 10 --dim 1024 --method random --out priors.csv",
      "",
      "--json prints one line (minCos and maxCos are null for one class):",
      "  {\"classes\":C,\"dim\":D,\"energy\":E,\"minCos\":a,\"maxCos\":b,",
      "   \"method\":\"riesz\",\"seed\":S}",
      "--out writes one line per class, in class order: D comma-separated float32",
      "values as Java's Float.toString writes them (they read back exactly)."
    })
public final class PriorsCommand implements Runnable {

  @Option(
      names = "--classes",
      required = true,
      paramLabel = "C",
      description = "Number of classes (1.." + Priors.MAX_CLASSES + ").")
  int classes;

  @Option(
      names = "--dim",
      required = true,
      paramLabel = "D",
      description = "Dimension of the vectors: the width of the layer.")
  int dim;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "1",
      description = "Seed of the random draws (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--method",
      paramLabel = "METHOD",
      defaultValue = "riesz",
      converter = MethodConverter.class,
      // Wrapped by hand: picocli would break -1/(C-1) at its '/'.
      description = {
        "riesz (default): minimise the Riesz s=1",
        "(electrostatic) energy on the unit sphere, the",
        "paper's method. For C <= D+1 this is a regular",
        "simplex, every cosine -1/(C-1); for more classes,",
        "the minimum reached from the seeded start.",
        "random: independent Gaussian directions, the",
        "paper's ablation."
      })
  PriorMethod method;

  @Option(names = "--json", description = "Print the result as one JSON line.")
  boolean json;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Also write the vectors to FILE as CSV.")
  Path out;

  @Spec CommandSpec spec;

  /**
   * The --json line; a value that is not a finite number (one class, coinciding vectors) is null.
   */
  record Summary(
      int classes,
      int dim,
      Double energy,
      Double minCos,
      Double maxCos,
      String method,
      long seed) {}

  @Override
  public void run() {
    Priors priors;
    long start = System.nanoTime();
    try {
      priors = method.generate(classes, dim, seed);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
    Logger.debug("generated {} in {} ms", priors, (System.nanoTime() - start) / 1_000_000);
    if (out != null) {
      write(priors, out);
    }
    PrintWriter stdout = spec.commandLine().getOut();
    if (json) {
      stdout.println(
          Json.line(
              new Summary(
                  priors.classes(),
                  priors.dim(),
                  orNull(priors.energy()),
                  orNull(priors.minCos()),
                  orNull(priors.maxCos()),
                  name(priors.method()),
                  priors.seed())));
    } else {
      stdout.printf(
          Locale.ROOT,
          "%s priors, %s in R^%d, seed %d%n",
          name(priors.method()),
          Plural.of(priors.classes(), "class", "classes"),
          priors.dim(),
          priors.seed());
      stdout.printf(Locale.ROOT, "energy      %.10g%n", priors.energy());
      if (priors.classes() == 1) {
        stdout.println("cosines     none (one class)");
      } else {
        stdout.printf(Locale.ROOT, "min cosine  %.10f%n", priors.minCos());
        stdout.printf(Locale.ROOT, "max cosine  %.10f%n", priors.maxCos());
      }
      if (priors.classes() >= 2 && priors.classes() <= priors.dim() + 1) {
        stdout.printf(
            Locale.ROOT,
            "simplex     %.10f (-1/(C-1), the optimum for C <= D+1)%n",
            -1.0 / (priors.classes() - 1));
      }
      if (out != null) {
        stdout.println("vectors     " + out);
      }
    }
    stdout.flush();
  }

  private static Double orNull(double value) {
    return Double.isFinite(value) ? value : null;
  }

  private static String name(PriorMethod method) {
    return method.name().toLowerCase(Locale.ROOT);
  }

  /**
   * Writes the CSV beside the target and moves it into place, so a failure leaves no partial file.
   */
  private static void write(Priors priors, Path target) {
    Path absolute = target.toAbsolutePath();
    if (!Files.isDirectory(absolute.getParent())) {
      throw CliException.failure(
          "cannot write " + target + ": no directory " + absolute.getParent());
    }
    Path temp = null;
    try {
      temp = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".tmp");
      float[] values = priors.toFloatArray();
      try (BufferedWriter w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
        for (int c = 0; c < priors.classes(); c++) {
          for (int i = 0; i < priors.dim(); i++) {
            if (i > 0) {
              w.write(',');
            }
            w.write(Float.toString(values[c * priors.dim() + i]));
          }
          w.write('\n');
        }
      }
      Files.move(
          temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw CliException.cannotWrite(target, e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // Best effort: the temp file is all that is left, the target is untouched.
        }
      }
    }
  }

  /** Accepts the method names in any case, and names both in the error. */
  static final class MethodConverter implements picocli.CommandLine.ITypeConverter<PriorMethod> {
    @Override
    public PriorMethod convert(String value) {
      for (PriorMethod m : PriorMethod.values()) {
        if (m.name().equalsIgnoreCase(value)) {
          return m;
        }
      }
      throw new picocli.CommandLine.TypeConversionException(
          "unknown method '" + value + "' (expected riesz or random)");
    }
  }
}
