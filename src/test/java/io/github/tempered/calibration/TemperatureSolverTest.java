package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import io.github.tempered.calibration.TemperatureFit.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.testng.annotations.Test;

/**
 * Exercises the safeguards of {@link TemperatureSolver} with objectives that are not backed by
 * logits: a linear slope {@code beta - root} reported with a wrong curvature (so the steps
 * overshoot, oscillate or undershoot), a wrong third derivative, a step-function slope with zero
 * curvature, and the bounds. Real data rarely reach these paths, since Halley's steps on the
 * temperature NLL converge from one side.
 */
public class TemperatureSolverTest {

    private static final TemperatureSolver DEFAULTS = new TemperatureSolver(1e-6, 100, 1e-3, 1e3);

    /** A linear slope {@code beta - root}, NLL {@code (beta - root)^2 / 2}, reported as given. */
    private static TemperatureSolver.Objective<RuntimeException> linear(
            double root, double reportedCurvature, double reportedThird, List<Double> betas) {
        return beta -> {
            betas.add(beta);
            double d = beta - root;
            return of(beta, 0.5 * d * d, d, reportedCurvature, reportedThird, false, -1);
        };
    }

    private static void assertTemperature(String name, TemperatureFit fit, double expected) {
        assertEquals(fit.outcome(), Outcome.CONVERGED, name + ": " + fit);
        double error = Math.abs(fit.temperature() - expected) / expected;
        assertTrue(
                error <= 1e-6,
                String.format(
                        Locale.ROOT,
                        "%s: T = %.12g, expected %.12g (off by %.2e relative)",
                        name,
                        fit.temperature(),
                        expected,
                        error));
    }

    @Test
    public void exactCurvatureConvergesInOneStep() {
        List<Double> betas = new ArrayList<>();
        TemperatureFit fit = DEFAULTS.solve(linear(0.3, 1, 0, betas));
        assertTemperature("exact", fit, 1 / 0.3);
        assertTrue(fit.iterations() <= 3, "iterations: " + betas);
        assertEquals(fit.nllBefore(), 0.5 * 0.7 * 0.7, 1e-15);
        assertEquals(fit.nllAfter(), 0, 1e-15);
    }

    @Test
    public void overshootingStepsFallBackToBisection() {
        // Steps 10 times too long: every candidate leaves the bracket.
        List<Double> betas = new ArrayList<>();
        TemperatureFit fit = DEFAULTS.solve(linear(0.3, 0.1, 0, betas));
        assertTemperature("overshoot", fit, 1 / 0.3);
        boolean bothSides =
                betas.stream().anyMatch(b -> b < 0.3) && betas.stream().anyMatch(b -> b > 0.3);
        assertTrue(bothSides, "a bracket was formed: " + betas);
        assertTrue(fit.iterations() <= 40, "iterations: " + fit.iterations());
    }

    @Test
    public void oscillatingStepsInsideTheBracketAreTaken() {
        // Steps 1.67 times too long: they alternate sides, shrinking by 2/3 each time.
        List<Double> betas = new ArrayList<>();
        TemperatureFit fit = DEFAULTS.solve(linear(2.5, 0.6, 0, betas));
        assertTemperature("oscillate", fit, 1 / 2.5);
        long above = betas.stream().filter(b -> b > 2.5).count();
        long below = betas.stream().filter(b -> b < 2.5).count();
        assertTrue(above >= 2 && below >= 2, "iterates on both sides: " + betas);
    }

    @Test
    public void undershootingStepsStillConverge() {
        // Steps a third of the way: linear convergence from one side, within the budget.
        List<Double> betas = new ArrayList<>();
        TemperatureFit fit = DEFAULTS.solve(linear(0.2, 3, 0, betas));
        assertTemperature("undershoot", fit, 5);
        assertTrue(betas.stream().allMatch(b -> b >= 0.2), "one side only: " + betas);
    }

    @Test
    public void wrongThirdDerivativeFallsBackToNewton() {
        // Halley's denominator 2 f'^2 - f f'' is negative: the Newton step is taken (exact here).
        List<Double> betas = new ArrayList<>();
        TemperatureFit fit = DEFAULTS.solve(linear(0.3, 1, 1e9, betas));
        assertTemperature("third", fit, 1 / 0.3);
        assertTrue(fit.iterations() <= 3, "iterations: " + betas);
    }

    @Test
    public void zeroCurvatureBisects() {
        // A step-function slope: no curvature, so only expansion and bisection can find the root.
        double root = 0.37;
        TemperatureFit fit =
                DEFAULTS.solve(
                        beta ->
                                of(
                                        beta,
                                        Math.abs(beta - root),
                                        beta < root ? -1 : 1,
                                        0,
                                        0,
                                        false,
                                        -1));
        assertTemperature("step", fit, 1 / root);
        assertTrue(fit.iterations() <= 40, "iterations: " + fit.iterations());
    }

    @Test
    public void zeroSlopeAtTheStartStops() {
        TemperatureFit fit = DEFAULTS.solve(linear(1, 1, 0, new ArrayList<>()));
        assertEquals(fit.temperature(), 1.0);
        assertEquals(fit.iterations(), 1);
        assertEquals(fit.outcome(), Outcome.CONVERGED);
    }

    @Test
    public void iterationLimitReturnsTheBestPoint() {
        List<Double> betas = new ArrayList<>();
        TemperatureFit fit =
                new TemperatureSolver(1e-6, 5, 1e-3, 1e3).solve(linear(0.2, 3, 0, betas));
        assertEquals(fit.outcome(), Outcome.MAX_ITERATIONS, fit.toString());
        assertEquals(fit.iterations(), 5);
        assertEquals(betas.size(), 5);
        double last = betas.get(4);
        assertEquals(fit.temperature(), 1 / last, 1e-12, "the last point is the best here");
    }

    @Test
    public void boundsEqualToOneNeedNoExtraPass() {
        TemperatureSolver pinned = new TemperatureSolver(1e-6, 100, 1, 1);
        TemperatureFit separable = pinned.solve(beta -> of(beta, 0.3, -0.1, 0.1, 0, true, -1));
        assertEquals(separable.outcome(), Outcome.AT_MIN_TEMPERATURE);
        assertEquals(separable.temperature(), 1.0);
        assertEquals(separable.iterations(), 1);
        TemperatureFit uninformative = pinned.solve(beta -> of(beta, 2, 0.1, 0.1, 0, false, 0.5));
        assertEquals(uninformative.outcome(), Outcome.AT_MAX_TEMPERATURE);
        assertEquals(uninformative.temperature(), 1.0);
        assertEquals(uninformative.iterations(), 1);
    }

    @Test
    public void optimaBeyondTheBoundsStopThere() {
        TemperatureFit cold = DEFAULTS.solve(linear(5e3, 1, 0, new ArrayList<>()));
        assertEquals(cold.outcome(), Outcome.AT_MIN_TEMPERATURE, cold.toString());
        assertEquals(cold.temperature(), 1e-3);
        TemperatureFit hot = DEFAULTS.solve(linear(1e-4, 1, 0, new ArrayList<>()));
        assertEquals(hot.outcome(), Outcome.AT_MAX_TEMPERATURE, hot.toString());
        assertEquals(hot.temperature(), 1e3);
    }

    /**
     * Creates the totals of a pass over one row with the given values, for exercising the solver
     * with objectives that are not backed by logits.
     *
     * @param beta the inverse temperature
     * @param nll the NLL
     * @param slope its first derivative in beta
     * @param curvature its second derivative
     * @param third its third derivative
     * @param separable whether every label is its row's arg-max
     * @param slopeAtZero the slope's limit at {@code beta -> 0+}
     * @return the totals
     */
    private static PassTotals of(
            double beta,
            double nll,
            double slope,
            double curvature,
            double third,
            boolean separable,
            double slopeAtZero) {
        PassTotals totals = new PassTotals(beta);
        totals.rows = 1;
        totals.sums[LogitBlock.NLL] = nll;
        totals.sums[LogitBlock.SLOPE] = slope;
        totals.sums[LogitBlock.CURVATURE] = curvature;
        totals.sums[LogitBlock.THIRD] = third;
        totals.sums[LogitBlock.SLOPE_AT_ZERO] = slopeAtZero;
        totals.sums[LogitBlock.NON_CONSTANT] = 1;
        totals.sums[LogitBlock.LABEL_BELOW_MAX] = separable ? 0 : 1;
        return totals;
    }
}
