package io.github.tempered.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import org.testng.annotations.Test;

/** {@code tempered gradients}. */
public class GradientsCommandTest {

    @Test
    public void printsTheWalkthroughAndSucceeds() {
        CliRun run = CliRun.of("gradients");
        assertEquals(run.exitCode(), 0, run.toString());
        assertTrue(run.out().contains("GradientCollector"), run.toString());
        assertTrue(run.out().contains("max |autograd - analytic|"), run.toString());
        assertTrue(run.err().isBlank(), run.toString());
    }
}
