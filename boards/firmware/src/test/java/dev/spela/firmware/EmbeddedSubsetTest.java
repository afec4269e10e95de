package dev.spela.firmware;

import dev.spela.subset.SubsetAssertions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The build gate: the firmware's Java side runs on the device, so it follows the embedded subset. */
class EmbeddedSubsetTest {

  @Test
  void mainClassesFollowTheEmbeddedJavaSubset() {
    SubsetAssertions.assertClassesFollowSubset(Path.of("target", "classes"));
  }
}
