package io.github.tempered.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;
import picocli.CommandLine;

/** The top-level command: help, version, usage errors and running out of memory. */
public class TemperedTest {

    /** A subcommand that runs out of memory, as a large demo or distill run could. */
    @CommandLine.Command(name = "greedy")
    static final class Greedy implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    /** The top of a command line holding {@link Greedy}. */
    @CommandLine.Command(name = "tempered", subcommands = Greedy.class)
    static final class Top implements Runnable {
        @Override
        public void run() {}
    }

    @Test
    public void outOfMemoryInAnySubcommandIsOneLineAndExitOne() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Tempered.execute(new CommandLine(new Top()), new String[] {"greedy"}, o, e);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(code, 1, text);
        assertEquals(text.strip().lines().count(), 1L, "one line: " + text);
        assertTrue(
                text.startsWith(
                        "tempered greedy: out of memory (Java heap space); the Java heap"
                                + " is limited to "),
                text);
        assertTrue(text.contains("raise it with -Xmx"), text);
        assertFalse(text.contains("\tat "), "no stack trace: " + text);
    }

    @DataProvider(name = "subcommands")
    public static Object[][] subcommands() {
        return new Object[][] {{"demo"}, {"calibrate"}, {"distill"}, {"gradients"}};
    }

    @Test(dataProvider = "subcommands")
    public void everySubcommandHasHelp(String name) {
        CliRun run = CliRun.of(name, "--help");
        assertEquals(run.exitCode(), 0, run.toString());
        assertTrue(run.out().contains("Usage: tempered " + name), run.toString());
        assertTrue(run.out().contains("--help"), run.toString());
        assertTrue(run.out().contains("--verbose"), run.toString());
    }

    @Test
    public void logMessagesBelowErrorAreHiddenUnlessVerbose() {
        CliRun quiet = CliRun.of("gradients");
        assertEquals(quiet.exitCode(), 0, quiet.toString());
        assertEquals(quiet.err(), "", "a successful run writes nothing to stderr: " + quiet);
        assertEquals(
                quiet.properties().get(Tempered.LOG_LEVEL_PROPERTY),
                "error",
                "without --verbose, DJL's INFO and WARN are hidden");
        assertEquals(
                quiet.properties().get(Tempered.TEMPERED_LOG_LEVEL_PROPERTY),
                "warn",
                "Tempered's own warnings stay");
        CliRun verbose = CliRun.of("gradients", "--verbose");
        assertEquals(verbose.exitCode(), 0, verbose.toString());
        assertEquals(
                verbose.properties().get(Tempered.LOG_LEVEL_PROPERTY),
                "info",
                "--verbose shows DJL's INFO and WARN");
    }

    @Test
    public void topLevelHelpListsTheSubcommands() {
        CliRun run = CliRun.of("--help");
        assertEquals(run.exitCode(), 0, run.toString());
        for (Object[] row : subcommands()) {
            assertTrue(run.out().contains((String) row[0]), run.toString());
        }
    }

    @Test
    public void versionIsPrinted() {
        CliRun run = CliRun.of("--version");
        assertEquals(run.exitCode(), 0, run.toString());
        assertTrue(run.out().startsWith("tempered "), run.toString());
    }

    @DataProvider(name = "usageErrors")
    public static Object[][] usageErrors() {
        return new Object[][] {
            {new String[] {"no-such-command"}},
            {new String[] {"calibrate"}},
            {new String[] {"calibrate", "x.npz", "--bins", "many"}},
            {new String[] {"calibrate", "x.npz", "--fit-fraction", "1.5"}},
            {new String[] {"calibrate", "x.npz", "--bins", "0"}},
            {new String[] {"demo", "--epochs", "0"}},
            {new String[] {"demo", "--limit", "1,2"}},
            {new String[] {"gradients", "--unknown"}},
        };
    }

    @Test(dataProvider = "usageErrors")
    public void usageErrorsExitWithTwo(String[] args) {
        CliRun run = CliRun.of(args);
        assertEquals(run.exitCode(), 2, run.toString());
        String[] lines = run.err().split("\\R");
        assertTrue(
                !lines[0].isBlank() && !lines[0].startsWith("Usage:"), "a message first: " + run);
        assertTrue(
                run.err().contains("Usage: tempered " + args[0].replace("no-such-command", "")),
                "the usage: " + run);
        assertTrue(!run.err().contains("\tat "), "no stack trace: " + run);
    }
}
