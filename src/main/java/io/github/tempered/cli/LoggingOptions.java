package io.github.tempered.cli;

import picocli.CommandLine.Option;

/**
 * The {@code --verbose} option of every subcommand. Without it, log messages below ERROR (WARN from
 * Tempered) are not shown and a failure is one line on standard error; with it, DJL's and
 * Tempered's INFO and WARN messages reach standard error and a failure shows its stack trace.
 * {@link Tempered} reads the option before the subcommand runs and sets up logging accordingly.
 */
final class LoggingOptions {

    /** The option's name. */
    static final String VERBOSE = "--verbose";

    @Option(
            names = VERBOSE,
            description =
                    "Show DJL's and Tempered's log messages (INFO, WARN) on standard error, and the"
                            + " stack trace of a failure.")
    boolean verbose;
}
