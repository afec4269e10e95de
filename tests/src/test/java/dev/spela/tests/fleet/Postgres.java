package dev.spela.tests.fleet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server on a free loopback port, from the distribution's package
 * ({@code /usr/lib/postgresql/15/bin}; .ci/run installs it): {@code initdb} into a temporary
 * folder, then {@code pg_ctl start}. PostgreSQL refuses to run as root, so as root it runs as the
 * package's {@code postgres} user. A missing PostgreSQL fails the tests: it does not skip them.
 */
final class Postgres implements AutoCloseable {

  static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

  private final Path home;
  private final int port;
  private final boolean root;

  private Postgres(Path home, int port, boolean root) {
    this.home = home;
    this.port = port;
    this.root = root;
  }

  /**
   * Starts a server. {@code durable} false turns fsync off (tests); true keeps PostgreSQL's
   * defaults (benchmarks).
   */
  static Postgres start(boolean durable) throws IOException, InterruptedException {
    assertTrue(Files.isExecutable(BIN.resolve("initdb")),
        BIN + "/initdb is missing: install PostgreSQL (apt-get install postgresql, as .ci/run does)");
    boolean root = "root".equals(System.getProperty("user.name"));
    Path home = Files.createTempDirectory("spela-postgres-");
    if (root) {
      UserPrincipalLookupService users = home.getFileSystem().getUserPrincipalLookupService();
      Files.setOwner(home, users.lookupPrincipalByName("postgres"));
    }
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Postgres postgres = new Postgres(home, port, root);
    try {
      postgres.run("initdb", "-D", home.resolve("data").toString(), "-U", "spela", "--auth=trust", "-E", "UTF8",
          "--no-sync");
      String options = "-p " + port + " -k " + home + " -c listen_addresses=127.0.0.1"
          + (durable ? "" : " -c fsync=off -c synchronous_commit=off");
      postgres.run("pg_ctl", "-D", home.resolve("data").toString(), "-o", options, "-l",
          home.resolve("server.log").toString(), "-w", "-t", "60", "start");
    } catch (IOException | AssertionError e) {
      postgres.close();
      throw e;
    }
    return postgres;
  }

  /** JDBC URL of the server's {@code postgres} database, as user {@code spela}. */
  String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=spela";
  }

  /** Runs a server program (as {@code postgres} when this is root) and waits for it. */
  private void run(String program, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (root) {
      command.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    command.add(BIN.resolve(program).toString());
    command.addAll(List.of(args));
    Path output = Files.createTempFile("spela-postgres-", ".out");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(program + " did not finish in 120 s");
      }
      if (process.exitValue() != 0) {
        throw new AssertionError(program + " failed (" + process.exitValue() + "): "
            + Files.readString(output, StandardCharsets.UTF_8));
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }

  @Override
  public void close() {
    try {
      if (Files.exists(home.resolve("data/postmaster.pid"))) {
        run("pg_ctl", "-D", home.resolve("data").toString(), "-m", "immediate", "-w", "stop");
      }
    } catch (IOException | InterruptedException | AssertionError e) {
      // the folder goes anyway; a server left running dies with its files
    } finally {
      try (Stream<Path> files = Files.walk(home)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        // a temporary folder left behind
      }
    }
  }
}
