package io.github.tempered.cli;

import java.io.Console;
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
 *
 * <p>A successful run writes nothing to standard error: log messages below ERROR are hidden (from
 * Tempered, below WARN) unless the subcommand is given {@code --verbose} or the levels are set with
 * slf4j-simple's system properties. On a terminal, training shows DJL's progress bars; elsewhere (a
 * pipe, a file, a CI log) it prints one line per epoch.
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

    /** slf4j-simple's default level (the binding in the command-line jar and under Maven). */
    static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    /** slf4j-simple's level for Tempered's own loggers. */
    static final String TEMPERED_LOG_LEVEL_PROPERTY =
            "org.slf4j.simpleLogger.log.io.github.tempered";

    @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

    private final boolean terminal;

    /** Creates the top-level command, for output that is not a terminal. */
    public Tempered() {
        this(false);
    }

    private Tempered(boolean terminal) {
        this.terminal = terminal;
    }

    /**
     * Runs the command line and exits with its exit code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, isTerminal()));
    }

    /**
     * Runs the command line with the given streams, without exiting. Training progress is printed
     * as one line per epoch, as when standard output is not a terminal.
     *
     * @param args the arguments
     * @param out standard output
     * @param err standard error
     * @return the exit code: 0 success, 1 bad input or failure, 2 usage error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, false);
    }

    /**
     * Runs the command line.
     *
     * @param terminal whether {@code out} is a terminal, where DJL's progress bars are shown
     */
    static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        // One intra-op thread unless the user chose: on a busy 2-core machine PyTorch's spinning
        // OpenMP threads made the demo 12x slower, and one thread keeps runs reproducible.
        setIfAbsent(THREADS_PROPERTY, "1");
        return execute(new CommandLine(new Tempered(terminal)), args, out, err);
    }

    /**
     * Runs a command line with the error handling of {@code tempered}: logging configured from
     * {@code --verbose} before anything runs, one line on standard error for a failure, including
     * running out of memory, and exit code 1.
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
        cli.setExecutionStrategy(
                parseResult -> {
                    configureLogging(verbose(parseResult));
                    return new CommandLine.RunLast().execute(parseResult);
                });
        cli.setExecutionExceptionHandler(
                (e, commandLine, parseResult) -> {
                    PrintWriter w = commandLine.getErr();
                    w.println("tempered " + commandLine.getCommandName() + ": " + oneLine(e));
                    if (verbose(parseResult)) {
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

    /**
     * Returns whether the command line that runs {@code command} writes to a terminal, where
     * progress can redraw itself.
     *
     * @param command a subcommand's spec (or the top command's)
     * @return whether progress bars and per-pass progress lines are shown
     */
    static boolean onTerminal(CommandLine.Model.CommandSpec command) {
        CommandLine.Model.CommandSpec root = command;
        while (root.parent() != null) {
            root = root.parent();
        }
        return root.userObject() instanceof Tempered && ((Tempered) root.userObject()).terminal;
    }

    /**
     * Whether standard input and output are a terminal: Java 17 to 21 give a console only then;
     * Java 22 and later may give one anyway and say with {@code Console.isTerminal()}.
     */
    private static boolean isTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before Java 22: a console is a terminal
        }
    }

    /** Whether the subcommand that runs was given {@code --verbose}. */
    private static boolean verbose(CommandLine.ParseResult parseResult) {
        CommandLine.ParseResult last = parseResult;
        while (last.hasSubcommand()) {
            last = last.subcommand();
        }
        return last.hasMatchedOption(LoggingOptions.VERBOSE);
    }

    /**
     * Sets slf4j-simple's levels before the first logger is made, unless the user set them with
     * {@code -D}: DJL's INFO and WARN messages (engine start-up, CUDA detection, training progress)
     * only with {@code --verbose}; Tempered's warnings (a temperature fit that stopped at a bound)
     * always.
     */
    private static void configureLogging(boolean verbose) {
        setIfAbsent(LOG_LEVEL_PROPERTY, verbose ? "info" : "error");
        setIfAbsent(TEMPERED_LOG_LEVEL_PROPERTY, verbose ? "info" : "warn");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
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
