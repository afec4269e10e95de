package dev.spela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class PluralTest {

  @Test
  void oneIsSingularAndEveryOtherCountPlural() {
    assertEquals("0 devices", Plural.of(0, "device"));
    assertEquals("1 virtual device", Plural.of(1, "virtual device"));
    assertEquals("2 held-out samples", Plural.of(2, "held-out sample"));
    assertEquals("1,000 records", Plural.of(1000, "record"));
    assertEquals("1 class", Plural.of(1, "class", "classes"));
    assertEquals("3 classes", Plural.of(3, "class", "classes"));
  }

  @Test
  void commandOutputSaysOneClassNotOneClasses() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(0, SpelaCommand.execute(out, err, "priors", "--classes", "1", "--dim", "3"), err.toString());
    assertEquals("riesz priors, 1 class in R^3, seed 1", out.toString().lines().findFirst().orElseThrow());
  }
}
