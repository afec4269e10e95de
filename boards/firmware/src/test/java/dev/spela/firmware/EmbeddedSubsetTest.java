package dev.spela.firmware;

import dev.spela.protocols.subset.InitPhase;
import dev.spela.runtime.SpelaRuntime;
import dev.spela.subset.SubsetAssertions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The build gate: the firmware's Java side runs on the device with the runtime and the protocols,
 * so the three are one device program; its classes follow the embedded subset, and no path from
 * the runtime's steady-state entry points (through the firmware's native flash regions too) may
 * allocate.
 */
class EmbeddedSubsetTest {

  @Test
  void firmwareRuntimeAndProtocolsFollowTheEmbeddedJavaSubset() {
    Path protocols = SubsetAssertions.locationOf(InitPhase.class);
    SubsetAssertions.assertProgramFollowsSubset(
        protocols,
        Path.of("target", "classes"),
        SubsetAssertions.locationOf(SpelaRuntime.class),
        protocols);
  }
}
