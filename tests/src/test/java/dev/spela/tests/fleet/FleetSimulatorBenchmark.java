package dev.spela.tests.fleet;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spela fleet simulate} at scale (docs/results.md, "Hundreds of devices per host"): N
 * virtual devices in one simulator process, a {@code spela monitor} process storing into SQLite,
 * and a third-party subscriber, on each broker, and with two collectors into PostgreSQL on
 * Mosquitto; prints one line of figures per run. Run by
 * {@code tests/bench/simulator.sh}, or:
 *
 * <pre>
 * nice mvn -B -q -o -pl tests -am verify -Dtest=FleetSimulatorBenchmark -Dsurefire.excludedTags=zero-allocation \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dbench.devices=64 -Dbench.records=50 -Dbench.recordEvery=10
 * </pre>
 */
@Tag("benchmark")
class FleetSimulatorBenchmark {

  private static final SimulatedFleetRun RUN = new SimulatedFleetRun(
      Integer.getInteger("bench.devices", 64),
      Integer.getInteger("bench.records", 50),
      Integer.getInteger("bench.recordEvery", 10),
      System.getProperty("bench.layers", "784,32,16"),
      System.getProperty("bench.heap", "2g"));

  @Test
  void embeddedBroker(@TempDir Path dir) throws Exception {
    try (TestBroker broker = TestBroker.embedded()) {
      System.out.println(RUN.run(dir, broker.url()).describe("embedded HiveMQ CE", RUN.devices()));
    }
  }

  @Test
  void mosquitto(@TempDir Path dir) throws Exception {
    try (TestBroker broker = TestBroker.mosquitto(dir)) {
      System.out.println(RUN.run(dir, broker.url()).describe("Mosquitto", RUN.devices()));
    }
  }

  /** Two collectors sharing the subscription into one PostgreSQL database (durable settings). */
  @Test
  void mosquittoTwoCollectorsIntoPostgresql(@TempDir Path dir) throws Exception {
    try (TestBroker broker = TestBroker.mosquitto(dir);
        Postgres postgres = Postgres.start(true)) {
      System.out.println(RUN.run(dir, broker.url(), postgres.url(), 2)
          .describe("Mosquitto, 2 collectors into PostgreSQL", RUN.devices()));
    }
  }
}
