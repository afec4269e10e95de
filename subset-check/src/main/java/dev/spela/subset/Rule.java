package dev.spela.subset;

/** The rules of the embedded Java subset that device-side class files must follow. */
public enum Rule {
  /** A JDK type or member (java.*, javax.*, sun.*, jdk.*) that is not in the {@link Allowlist}. */
  JDK_API,
  /** Any float or double: opcodes, constants, descriptors, java.lang.Float and Double. */
  FLOATING_POINT,
  /** invokedynamic, or a method handle, method type or dynamic constant. */
  INVOKEDYNAMIC,
  /** An allocation outside constructors, static initialisers and {@code @InitPhase} methods. */
  ALLOCATION,
  /** A class file newer than Java 8 (major version above 52). */
  CLASS_VERSION
}
