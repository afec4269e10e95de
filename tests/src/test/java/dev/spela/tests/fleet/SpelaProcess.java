package dev.spela.tests.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code spela} command in a JVM of its own (the test's class path), so that a test can kill it
 * as an operator's {@code kill -9} would. Its standard output goes to a file that {@link
 * #awaitLine} reads (a pipe read while the process dies may lose its last lines); its errors (the
 * log) to another.
 */
final class SpelaProcess implements AutoCloseable {

  private final Process process;
  private final Path output;

  private SpelaProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  /** Starts {@code spela ARGS}; its output goes to {@code NAME.out}, its log to {@code NAME.log}. */
  static SpelaProcess start(Path dir, String name, String... args) throws IOException {
    return start(dir, name, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), args);
  }

  /** As {@link #start(Path, String, String...)}, with these options for its JVM. */
  static SpelaProcess start(Path dir, String name, List<String> jvmOptions, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.spela.cli.SpelaCommand"));
    command.addAll(List.of(args));
    Path output = dir.resolve(name + ".out");
    Process process = new ProcessBuilder(command).redirectOutput(output.toFile())
        .redirectError(dir.resolve(name + ".log").toFile()).start();
    return new SpelaProcess(process, output);
  }

  /** Waits for a line of output that starts with {@code prefix}, and returns it. */
  String awaitLine(String prefix, long seconds) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<String> lines = List.of();
    while (System.nanoTime() < deadline) {
      lines = Files.exists(output) ? Files.readAllLines(output, StandardCharsets.UTF_8) : List.of();
      for (String line : lines) {
        if (line.startsWith(prefix)) {
          return line;
        }
      }
      TimeUnit.MILLISECONDS.sleep(50); // polling a file for a condition, with a deadline
    }
    throw new AssertionError("spela printed no line starting '" + prefix + "' in " + seconds + " s; it printed "
        + lines + (process.isAlive() ? "" : " and exited with " + process.exitValue()));
  }

  /** Waits for the command to end by itself; returns its exit code. */
  int awaitExit(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("spela did not end within " + seconds + " s");
    }
    return process.exitValue();
  }

  /** Everything it printed on its standard output so far. */
  List<String> output() throws IOException {
    return Files.exists(output) ? Files.readAllLines(output, StandardCharsets.UTF_8) : List.of();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** The operating system's process id (for kill -STOP and -CONT). */
  long pid() {
    return process.pid();
  }

  /** kill -9: no shutdown hook runs, nothing is flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** The exit code of a JVM ended by SIGTERM (128 + 15), once its shutdown hooks are done. */
  static final int TERMINATED = 143;

  /** Ctrl-C (SIGTERM): the shutdown hook stores what arrived and writes the report. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("spela did not stop within 60 s");
    }
  }

  /** As {@link #stop()}; returns the exit code ({@link #TERMINATED} for a clean stop). */
  int terminate() throws InterruptedException {
    stop();
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
