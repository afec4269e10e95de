package dev.spela.subset;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The types and members from outside the device program (the JDK's) that device code may use, one
 * by one: there are no package-wide entries. Entries use JVM internal names: a type ({@code
 * java/lang/Object}), a method ({@code java/lang/Math.max(II)I}) or a field ({@code
 * java/lang/Example.FIELD:I}). The format is described at the top of {@link #RESOURCE}.
 */
public final class Allowlist {

  /** The project's allowlist, a classpath resource beside this class. */
  public static final String RESOURCE = "embedded-java-allowlist.txt";

  private static final String CLASS_NAME = "[A-Za-z_$][\\w$]*(?:/[A-Za-z_$][\\w$]*)*";
  private static final String FIELD_DESCRIPTOR = "\\[*(?:[BCDFIJSZ]|L" + CLASS_NAME + ";)";
  private static final String MEMBER_NAME = "(?:[A-Za-z_$][\\w$]*|<init>|<clinit>)";
  private static final Pattern TYPE = Pattern.compile(CLASS_NAME);
  private static final Pattern METHOD =
      Pattern.compile(
          CLASS_NAME
              + "\\."
              + MEMBER_NAME
              + "\\((?:"
              + FIELD_DESCRIPTOR
              + ")*\\)(?:V|"
              + FIELD_DESCRIPTOR
              + ")");
  private static final Pattern FIELD =
      Pattern.compile(CLASS_NAME + "\\.[A-Za-z_$][\\w$]*:" + FIELD_DESCRIPTOR);

  private final Set<String> types;
  private final Set<String> members;

  private Allowlist(Set<String> types, Set<String> members) {
    this.types = Set.copyOf(types);
    this.members = Set.copyOf(members);
  }

  /** The allowlist shipped in this module ({@link #RESOURCE}). */
  public static Allowlist embeddedJava() {
    try (InputStream in = Allowlist.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE + " beside " + Allowlist.class);
      }
      return parse(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /**
   * Reads entries in the allowlist format.
   *
   * @throws IllegalArgumentException naming the line of an entry that is neither a type, a method
   *     nor a field in internal-name form (so a typo cannot silently allow nothing)
   */
  public static Allowlist parse(Reader text) throws IOException {
    Set<String> types = new HashSet<>();
    Set<String> members = new HashSet<>();
    BufferedReader lines = new BufferedReader(text);
    int number = 0;
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      number++;
      int comment = line.indexOf('#');
      String entry = (comment >= 0 ? line.substring(0, comment) : line).strip();
      if (entry.isEmpty()) {
        continue;
      }
      if (TYPE.matcher(entry).matches()) {
        types.add(entry);
      } else if (METHOD.matcher(entry).matches() || FIELD.matcher(entry).matches()) {
        members.add(entry);
      } else {
        throw new IllegalArgumentException(
            "allowlist line " + number + ": '" + entry + "' is not a type, method or field entry");
      }
    }
    return new Allowlist(types, members);
  }

  /** Whether the type (internal name) may be referenced. */
  public boolean allowsType(String internalName) {
    return types.contains(internalName);
  }

  /** Whether the member ({@code owner.name(desc)ret} or {@code owner.name:desc}) may be used. */
  public boolean allowsMember(String member) {
    return members.contains(member);
  }
}
