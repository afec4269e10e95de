package dev.spela.protocols.subset;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares steady-state entry points: methods a device calls after its initialisation, again and
 * again (a training step, a prediction, a codec call, a fleet handler). The embedded-subset check
 * (subset-check) follows every call from them through the whole program and reports any path to an
 * allocation, to an {@link InitPhase} method, to a class whose static initialiser allocates on
 * first use, or to an operation that makes the VM allocate an exception.
 *
 * <p>On a method: that method is an entry point. On a class or interface: every public method it
 * declares is one, except constructors and {@link InitPhase} methods (inherited methods are not:
 * mark the superclass too). Rules and definitions: subset-check/EMBEDDED-JAVA-SUBSET.md.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface SteadyState {}
