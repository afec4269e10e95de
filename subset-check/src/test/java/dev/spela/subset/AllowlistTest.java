package dev.spela.subset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Type;

class AllowlistTest {

  @Test
  void shippedListAllowsTheDeviceEssentials() {
    Allowlist allowlist = Allowlist.embeddedJava();
    assertTrue(allowlist.allowsType("java/lang/Object"));
    assertTrue(allowlist.allowsType("java/lang/String"));
    assertTrue(allowlist.allowsMember("java/lang/Object.<init>()V"));
    assertTrue(allowlist.allowsMember("java/lang/Math.max(II)I"));
    assertTrue(allowlist.allowsMember("java/lang/Long.numberOfLeadingZeros(J)I"));
    assertTrue(
        allowlist.allowsMember("java/lang/System.arraycopy(Ljava/lang/Object;ILjava/lang/Object;II)V"));
    // A type entry allows no members; members need entries of their own.
    assertFalse(allowlist.allowsMember("java/lang/String.length()I"));
    assertFalse(allowlist.allowsMember("java/lang/Math.max(FF)F"));
  }

  @Test
  void shippedListNamesNothingForbidden() throws IOException {
    List<String> entries = shippedEntries();
    assertFalse(entries.isEmpty());
    List<String> forbidden =
        List.of(
            "java/util/",
            "java/lang/reflect/",
            "java/lang/invoke/",
            "java/lang/StringBuilder",
            "java/lang/StringBuffer",
            "java/lang/Float",
            "java/lang/Double",
            "java/lang/Class",
            ".valueOf(",
            "Value()",
            "java/lang/String.format",
            "java/lang/System.out",
            "java/lang/System.err");
    for (String entry : entries) {
      for (String word : forbidden) {
        assertFalse(entry.contains(word), () -> "allowlist entry " + entry + " contains " + word);
      }
      int parameters = entry.indexOf('(');
      if (parameters >= 0) {
        String descriptor = entry.substring(parameters);
        List<Type> types = new ArrayList<>(List.of(Type.getArgumentTypes(descriptor)));
        types.add(Type.getReturnType(descriptor));
        for (Type type : types) {
          Type element = type.getSort() == Type.ARRAY ? type.getElementType() : type;
          assertFalse(
              element.getSort() == Type.FLOAT || element.getSort() == Type.DOUBLE,
              () -> "floating point in " + entry);
        }
      }
    }
  }

  @Test
  void parsesTypesMethodsFieldsAndSkipsComments() throws IOException {
    Allowlist allowlist =
        Allowlist.parse(
            new StringReader(
                """
                # a comment line

                java/lang/Object   # a type
                java/lang/Math.min(II)I
                java/lang/Example.LIMIT:I
                """));
    assertTrue(allowlist.allowsType("java/lang/Object"));
    assertTrue(allowlist.allowsMember("java/lang/Math.min(II)I"));
    assertTrue(allowlist.allowsMember("java/lang/Example.LIMIT:I"));
    assertFalse(allowlist.allowsType("java/lang/Math"));
  }

  @Test
  void rejectsEntriesThatAreNotInInternalForm() {
    for (String typo :
        List.of("java.lang.Math.max(II)I", "java/lang/Math.max", "java/lang/Math.max(II)", "java/lang/Math.max(Q)I")) {
      IllegalArgumentException error =
          assertThrows(
              IllegalArgumentException.class,
              () -> Allowlist.parse(new StringReader("java/lang/Object\n" + typo + "\n")));
      assertEquals(
          "allowlist line 2: '" + typo + "' is not a type, method or field entry", error.getMessage());
    }
  }

  /** The entries of the shipped file, read as plain text without the class under test. */
  private static List<String> shippedEntries() throws IOException {
    try (InputStream in = Allowlist.class.getResourceAsStream(Allowlist.RESOURCE)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .map(line -> line.replaceFirst("#.*", "").strip())
          .filter(line -> !line.isEmpty())
          .toList();
    }
  }
}
