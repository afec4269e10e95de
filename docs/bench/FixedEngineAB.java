import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Compares the fixed engine's training step between builds, in one JVM: each build (a folder with
 * spela.jar's lib/, as `mvn -pl host-tools -am package` leaves in host-tools/target) gets its own
 * class loader, and the builds take turns round by round on the same MNIST samples, so that all
 * see the same machine load; each round's cost is the thread's CPU time per step. Prints each
 * build's median and the median of the per-round ratios to the first build (the robust figure on
 * a busy machine).
 *
 * <pre>
 * java docs/bench/FixedEngineAB.java IMAGE MNIST_DIR ROUNDS STEPS NAME=DIR[:ram] ...
 * </pre>
 *
 * A build from before the flash port (SpelaRuntime.forImage(byte[], int, int)) loads the image from
 * a byte array; a later one reads it through an ArrayFlash, with the priors in flash, or in RAM
 * with {@code :ram} (MemoryPlan.setPriorsInRam, as spela bench and train --engine fixed do).
 */
public class FixedEngineAB {

  public static void main(String[] args) throws Exception {
    byte[] image = Files.readAllBytes(Path.of(args[0]));
    Path mnist = Path.of(args[1]);
    byte[] pixels = gunzip(mnist.resolve("train-images-idx3-ubyte.gz"));
    byte[] labels = gunzip(mnist.resolve("train-labels-idx1-ubyte.gz"));
    int rounds = Integer.parseInt(args[2]);
    int steps = Integer.parseInt(args[3]);
    int builds = args.length - 4;
    String[] names = new String[builds];
    Object[] runtimes = new Object[builds];
    Method[] train = new Method[builds];
    for (int b = 0; b < builds; b++) {
      String[] spec = args[4 + b].split("=", 2);
      names[b] = spec[0];
      String[] dir = spec[1].split(":");
      ClassLoader loader = loader(dir[0]);
      runtimes[b] = load(loader, image, dir.length > 1 && dir[1].equals("ram"));
      train[b] = runtimes[b].getClass().getMethod("train", byte[].class, int.class, int.class);
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long[][] nanos = new long[builds][rounds];
    int sample = 0;
    for (int round = -2; round < rounds; round++) { // two warm-up rounds
      for (int b = 0; b < builds; b++) {
        long start = threads.getCurrentThreadCpuTime();
        for (int k = 0; k < steps; k++) {
          int s = (sample + k) % 60000;
          train[b].invoke(runtimes[b], pixels, 16 + s * 784, labels[8 + s] & 0xFF);
        }
        if (round >= 0) {
          nanos[b][round] = (threads.getCurrentThreadCpuTime() - start) / steps;
        }
      }
      sample += steps;
    }
    for (int b = 0; b < builds; b++) {
      double[] ratio = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratio[r] = (double) nanos[b][r] / nanos[0][r];
      }
      System.out.printf(
          "%-12s median %,7d ns/step, median ratio to %s %.3f%n",
          names[b], median(nanos[b]), names[0], median(ratio));
    }
  }

  private static Object load(ClassLoader loader, byte[] image, boolean priorsInRam)
      throws Exception {
    Class<?> runtime = loader.loadClass("dev.spela.runtime.SpelaRuntime");
    Class<?> region;
    try {
      region = loader.loadClass("dev.spela.protocols.storage.FlashRegion");
    } catch (ClassNotFoundException before) {
      return runtime.getMethod("forImage", byte[].class, int.class, int.class)
          .invoke(null, image, 0, image.length);
    }
    Object flash =
        loader.loadClass("dev.spela.protocols.storage.ArrayFlash")
            .getConstructor(byte[].class)
            .newInstance((Object) image);
    Class<?> planType = loader.loadClass("dev.spela.runtime.MemoryPlan");
    Object plan = planType.getConstructor().newInstance();
    planType.getMethod("setFromImage", region, int.class, int.class).invoke(plan, flash, 0, image.length);
    planType.getMethod("setPriorsInRam", boolean.class).invoke(plan, priorsInRam);
    Object loaded = runtime.getConstructor(planType).newInstance(plan);
    runtime.getMethod("load", region, int.class, int.class).invoke(loaded, flash, 0, image.length);
    return loaded;
  }

  private static ClassLoader loader(String dir) throws Exception {
    List<URL> urls = new ArrayList<>();
    for (File jar : new File(dir, "lib").listFiles()) {
      urls.add(jar.toURI().toURL());
    }
    return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
  }

  private static byte[] gunzip(Path file) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      return in.readAllBytes();
    }
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
