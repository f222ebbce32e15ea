/**
 * The {@code tempered} command line (picocli): {@code demo}, {@code calibrate}, {@code distill} and
 * {@code gradients}. Entry point {@link io.github.tempered.cli.Tempered}.
 */
package io.github.tempered.cli;
