package dev.spela.protocols.subset;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method that runs only at initialisation: the subset check allows allocation in it, as in
 * constructors and static initialisers. Hot paths (training steps, inference, encoding, image
 * reception) must never call such a method.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface InitPhase {}
