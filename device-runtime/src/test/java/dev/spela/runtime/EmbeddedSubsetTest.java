package dev.spela.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.subset.InitPhase;
import dev.spela.subset.SubsetAssertions;
import dev.spela.subset.SubsetReport;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The build gate: the runtime with the protocols it calls is one device program; its classes must
 * follow the embedded subset, and no path from its steady-state entry points may allocate.
 */
class EmbeddedSubsetTest {

  @Test
  void runtimeAndProtocolsFollowTheEmbeddedJavaSubset() {
    Path protocols = SubsetAssertions.locationOf(InitPhase.class);
    SubsetReport report =
        SubsetAssertions.assertProgramFollowsSubset(
            protocols, Path.of("target", "classes"), protocols);
    for (String entry :
        List.of(
            "dev.spela.runtime.SpelaRuntime.train([BII)I",
            "dev.spela.runtime.SpelaRuntime.predict([BII)I",
            "dev.spela.runtime.SpelaRuntime.predictEarlyExit([BI)I",
            "dev.spela.runtime.SpelaRuntime.load([BII)I",
            "dev.spela.runtime.SpelaRuntime.writeImage([BI)I")) {
      assertTrue(report.entryPoints().contains(entry), () -> entry + " is not declared @SteadyState");
    }
  }
}
