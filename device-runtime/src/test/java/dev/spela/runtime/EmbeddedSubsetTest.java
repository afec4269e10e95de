package dev.spela.runtime;

import dev.spela.subset.SubsetAssertions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The build gate: protocols runs on the device, so its classes must follow the embedded subset. */
class EmbeddedSubsetTest {

  @Test
  void mainClassesFollowTheEmbeddedJavaSubset() {
    SubsetAssertions.assertClassesFollowSubset(Path.of("target", "classes"));
  }
}
