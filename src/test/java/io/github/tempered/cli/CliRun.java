package io.github.tempered.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One in-process run of the command line.
 *
 * @param exitCode the exit code
 * @param out what went to the command's standard output
 * @param err what went to the command's standard error
 * @param systemOut what went to {@link System#out} directly during the run (DJL's progress bars)
 * @param properties the logging system properties the run set (null for those it left unset)
 */
record CliRun(
        int exitCode, String out, String err, String systemOut, Map<String, String> properties) {

    /** The system properties {@link Tempered} sets; each run restores them afterwards. */
    static final List<String> PROPERTIES =
            List.of(
                    Tempered.LOG_LEVEL_PROPERTY,
                    Tempered.TEMPERED_LOG_LEVEL_PROPERTY,
                    "org.slf4j.simpleLogger.showThreadName");

    /**
     * Runs {@code tempered} with the given arguments, its output not a terminal.
     *
     * @param args the arguments
     * @return the outcome
     */
    static CliRun of(String... args) {
        return run(false, args);
    }

    /**
     * Runs {@code tempered} as if its output were a terminal.
     *
     * @param args the arguments
     * @return the outcome
     */
    static CliRun onTerminal(String... args) {
        return run(true, args);
    }

    private static CliRun run(boolean terminal, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream direct = new ByteArrayOutputStream();
        Map<String, String> saved = new HashMap<>();
        for (String key : PROPERTIES) {
            saved.put(key, System.clearProperty(key));
        }
        PrintStream systemOut = System.out;
        Map<String, String> set = new HashMap<>();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
                PrintStream d = new PrintStream(direct, true, StandardCharsets.UTF_8)) {
            System.setOut(d);
            code = Tempered.run(args, o, e, terminal);
        } finally {
            System.setOut(systemOut);
            for (String key : PROPERTIES) {
                set.put(key, System.getProperty(key));
                if (saved.get(key) == null) {
                    System.clearProperty(key);
                } else {
                    System.setProperty(key, saved.get(key));
                }
            }
        }
        return new CliRun(
                code,
                out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8),
                direct.toString(StandardCharsets.UTF_8),
                set);
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "exit "
                + exitCode
                + "\n--- stdout\n"
                + out
                + "--- stderr\n"
                + err
                + "--- System.out\n"
                + systemOut;
    }
}
