package dev.spela.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.subset.InitPhase;
import dev.spela.subset.SubsetAssertions;
import dev.spela.subset.SubsetReport;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The build gate: the runtime and the device agent with the protocols they call are one device
 * program; its classes must follow the embedded subset, and no path from its steady-state entry
 * points may allocate.
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
            "dev.spela.runtime.SpelaRuntime.load(Ldev/spela/protocols/storage/FlashRegion;II)I",
            "dev.spela.runtime.SpelaRuntime.writeImage(Ldev/spela/protocols/storage/FlashRegion;I)I",
            "dev.spela.runtime.SpelaRuntime.rebase(Ldev/spela/protocols/storage/FlashRegion;II)I",
            "dev.spela.agent.DeviceAgent.doWork(J)I",
            "dev.spela.agent.DeviceAgent.onMessage([BI[BI)V",
            "dev.spela.agent.DeviceAgent.onConnected()V",
            "dev.spela.agent.DeviceAgent.onConnectionLost()V",
            "dev.spela.agent.DeviceAgent.boot()Z")) {
      assertTrue(
          report.entryPoints().contains(entry), () -> entry + " is not declared @SteadyState");
    }
  }
}
