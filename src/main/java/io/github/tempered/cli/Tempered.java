package io.github.tempered.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tempered} command line: {@code demo}, {@code calibrate}, {@code distill} and {@code
 * gradients}.
 *
 * <p>Exit codes: 0 on success, 2 for a usage error (reported by picocli with the usage text), 1 for
 * bad input or a failure, reported as one line on standard error without a stack trace ({@code
 * --verbose} adds it).
 */
@Command(
        name = "tempered",
        mixinStandardHelpOptions = true,
        versionProvider = Tempered.Version.class,
        description =
                "Temperature scaling and calibration for DJL models: train and calibrate a"
                        + " classifier (demo), calibrate any model's saved outputs (calibrate),"
                        + " distil a teacher into a student (distill), or walk through a"
                        + " backward pass (gradients).",
        subcommands = {
            DemoCommand.class,
            CalibrateCommand.class,
            DistillCommand.class,
            GradientsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Tempered implements Runnable {

    /** DJL's system property for PyTorch's intra-op threads. */
    static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

    /** Creates the top-level command; picocli instantiates it. */
    public Tempered() {}

    /**
     * Runs the command line and exits with its exit code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command line with the given streams, without exiting.
     *
     * @param args the arguments
     * @param out standard output
     * @param err standard error
     * @return the exit code: 0 success, 1 bad input or failure, 2 usage error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        // One intra-op thread unless the user chose: on a busy 2-core machine PyTorch's spinning
        // OpenMP threads made the demo 12x slower, and one thread keeps runs reproducible.
        if (System.getProperty(THREADS_PROPERTY) == null) {
            System.setProperty(THREADS_PROPERTY, "1");
        }
        return execute(new CommandLine(new Tempered()), args, out, err);
    }

    /**
     * Runs a command line with the error handling of {@code tempered}: one line on standard error
     * for a failure, including running out of memory, and exit code 1.
     *
     * @param cli the command line
     * @param args the arguments
     * @param out standard output
     * @param err standard error
     * @return the exit code
     */
    static int execute(CommandLine cli, String[] args, PrintStream out, PrintStream err) {
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExecutionExceptionHandler(
                (e, commandLine, parseResult) -> {
                    boolean verbose =
                            commandLine.getCommand() instanceof Verbosity
                                    && ((Verbosity) commandLine.getCommand()).verbose();
                    PrintWriter w = commandLine.getErr();
                    w.println("tempered " + commandLine.getCommandName() + ": " + oneLine(e));
                    if (verbose) {
                        e.printStackTrace(w);
                    }
                    w.flush();
                    return 1;
                });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli passes errors through; whatever held the memory is unreachable now.
            CommandLine.ParseResult parsed = cli.getParseResult();
            String name = cli.getCommandName();
            if (parsed != null && parsed.subcommand() != null) {
                name += " " + parsed.subcommand().commandSpec().name();
            }
            PrintWriter w = cli.getErr();
            w.println(name + ": " + OutOfMemory.of(e).getMessage());
            w.flush();
            return 1;
        }
    }

    /** {@inheritDoc} */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            message = e.getClass().getSimpleName();
        } else if (!(e instanceof IllegalArgumentException)
                && !(e instanceof java.io.IOException)
                && !(e instanceof OutOfMemory)) {
            message = e.getClass().getSimpleName() + ": " + message;
        }
        return message.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /** A failure for want of memory, reported in one line that says what to change. */
    static final class OutOfMemory extends RuntimeException {

        private static final long serialVersionUID = 1L;

        /**
         * Creates the failure.
         *
         * @param message the line to show
         * @param cause the error
         */
        OutOfMemory(String message, OutOfMemoryError cause) {
            super(message, cause);
        }

        /**
         * Describes an out-of-memory error with the heap's limit.
         *
         * @param e the error
         * @return the failure
         */
        static OutOfMemory of(OutOfMemoryError e) {
            return new OutOfMemory(
                    "out of memory ("
                            + e.getMessage()
                            + "); the Java heap is limited to "
                            + (Runtime.getRuntime().maxMemory() >> 20)
                            + " MB: raise it with -Xmx (e.g. java -Xmx4g ...)",
                    e);
        }
    }

    /** A subcommand with a {@code --verbose} flag. */
    interface Verbosity {
        /**
         * Returns whether stack traces are wanted.
         *
         * @return the flag
         */
        boolean verbose();
    }

    /** Reports the version from the jar manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        /** {@inheritDoc} */
        @Override
        public String[] getVersion() {
            String v = Tempered.class.getPackage().getImplementationVersion();
            return new String[] {"tempered " + (v == null ? "development" : v)};
        }
    }
}
