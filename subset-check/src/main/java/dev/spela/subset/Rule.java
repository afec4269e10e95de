package dev.spela.subset;

/** The rules of the embedded Java subset that device-side class files must follow. */
public enum Rule {
  /**
   * A type or member the checked classes use but do not define, and which is not in the {@link
   * Allowlist}; or a call or field access the checked classes cannot resolve.
   */
  JDK_API,
  /** Any float or double: opcodes, constants, descriptors, java.lang.Float and Double. */
  FLOATING_POINT,
  /** invokedynamic, or a method handle, method type or dynamic constant. */
  INVOKEDYNAMIC,
  /**
   * An allocation outside constructors, static initialisers and {@code @InitPhase} methods, or any
   * allocation (a string constant included) on a path from a steady-state entry point.
   */
  ALLOCATION,
  /** A class file newer than Java 8 (major version above 52). */
  CLASS_VERSION,
  /** A path from a steady-state entry point to an {@code @InitPhase} method. */
  INIT_PHASE,
  /**
   * A path from a steady-state entry point that initialises a class whose static initialiser
   * allocates, where that class is not forced at initialisation.
   */
  CLASS_INIT,
  /**
   * On a path from a steady-state entry point, an operation that makes the VM allocate an
   * exception and that the check cannot show impossible: a division or remainder by a divisor not
   * shown non-zero, a cast, a store into an array of references, a throw.
   */
  EXCEPTION,
  /** A look-alike of the project's marks (InitPhase, SteadyState), or a contradictory marking. */
  MARK
}
