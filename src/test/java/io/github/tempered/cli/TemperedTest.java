package io.github.tempered.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** The top-level command: help, version and usage errors. */
public class TemperedTest {

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
