package dev.spela.protocols.subset;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a device-side method that runs only at initialisation: allocation is allowed here; call
 * only at initialisation.
 *
 * <p>Device code allocates every buffer once, before training or inference starts. Constructors and
 * static initialisers may allocate anyway; this mark extends the same permission to a method (for
 * example one that sizes buffers from a model header). The embedded-subset check (subset-check)
 * reports allocation in every other method, and any path from a {@link SteadyState} entry point
 * to an {@code InitPhase} method. It recognises this mark only as defined by this module (a class
 * of the same name from anywhere else is reported as a look-alike). Class retention keeps the mark
 * in the class file for the check while the device VM never needs to load this type.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface InitPhase {}
