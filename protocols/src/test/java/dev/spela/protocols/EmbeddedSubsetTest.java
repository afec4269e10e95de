package dev.spela.protocols;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.subset.SubsetAssertions;
import dev.spela.subset.SubsetReport;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The build gate: protocols runs on the device, so its classes must follow the embedded subset,
 * and no path from its steady-state entry points may allocate.
 */
class EmbeddedSubsetTest {

  private static final Path CLASSES = Path.of("target", "classes");

  @Test
  void mainClassesFollowTheEmbeddedJavaSubset() {
    SubsetReport report = SubsetAssertions.assertProgramFollowsSubset(CLASSES, CLASSES);
    // The codecs, the image receiver and the device's crypto are declared: the whole-program
    // check starts from them.
    for (String entry :
        List.of(
            "dev.spela.protocols.fleet.Message.wrap([BII)I",
            "dev.spela.protocols.fleet.DataMessage.layer(IIIJ)I",
            "dev.spela.protocols.fleet.ImageReceiver.accept(Ldev/spela/protocols/fleet/BlockMessage;)I",
            "dev.spela.protocols.fleet.Topic.parse([BII)I",
            "dev.spela.protocols.image.ModelImageValidator.validate([BII)I",
            "dev.spela.protocols.checksum.BlockDigest.update([BII)V",
            "dev.spela.protocols.crypto.Ed25519Verifier.verify([BI[BII[BI)Z",
            "dev.spela.protocols.fleet.MessageAuthenticator.verify([BIILdev/spela/protocols/fleet/Message;)I")) {
      assertTrue(report.entryPoints().contains(entry), () -> entry + " is not declared @SteadyState");
    }
  }
}
