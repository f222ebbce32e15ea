package io.github.tempered.calibration;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-dimensional minimisation behind {@link TemperatureScaler}: a safeguarded Halley / Newton
 * iteration on {@code beta = 1 / T} for the root of the NLL's derivative, with bracket expansion,
 * bisection fallback, the temperature bounds and the degenerate cases, as described in {@link
 * TemperatureScaler}. It sees the data only through an {@link Objective}, one pass per evaluation.
 */
final class TemperatureSolver {

    private static final Logger logger = LoggerFactory.getLogger(TemperatureSolver.class);

    /** The largest factor by which one pass may change beta while no bracket is known. */
    private static final double EXPANSION = 16;

    private final double tolerance;
    private final int maxIterations;
    private final double minTemperature;
    private final double maxTemperature;

    /**
     * Creates a solver; the arguments are validated by {@link TemperatureScaler.Builder}.
     *
     * @param tolerance the relative tolerance on T
     * @param maxIterations the largest number of evaluations
     * @param minTemperature the smallest temperature returned, at most 1
     * @param maxTemperature the largest temperature returned, at least 1
     */
    TemperatureSolver(
            double tolerance, int maxIterations, double minTemperature, double maxTemperature) {
        this.tolerance = tolerance;
        this.maxIterations = maxIterations;
        this.minTemperature = minTemperature;
        this.maxTemperature = maxTemperature;
    }

    /**
     * One evaluation of the objective: a pass over the data at {@code beta}.
     *
     * @param <E> the checked exception a pass may throw
     */
    @FunctionalInterface
    interface Objective<E extends Exception> {
        /**
         * Evaluates the objective at {@code beta}.
         *
         * @param beta the inverse temperature
         * @return the totals of the pass
         * @throws E if the pass fails
         */
        PassTotals at(double beta) throws E;
    }

    /**
     * Runs the iteration from {@code T = 1}.
     *
     * @param objective the passes over the data
     * @param <E> the exception a pass may throw
     * @return the fit
     * @throws E if a pass fails
     */
    <E extends Exception> TemperatureFit solve(Objective<E> objective) throws E {
        Log log = new Log();
        PassTotals first = log.pass(objective.at(1.0));
        int passes = 1;
        double nllBefore = first.nll();
        if (first.nonConstantRows() == 0) {
            logger.warn(
                    "Temperature fit: every one of the {} rows of logits is constant, so the NLL"
                            + " ({}) is the same for every T; returning T = 1",
                    first.rows(),
                    nllBefore);
            return new TemperatureFit(
                    1.0, nllBefore, nllBefore, passes, TemperatureFit.Outcome.UNDETERMINED);
        }
        double betaMax = 1 / minTemperature;
        double betaMin = 1 / maxTemperature;
        if (first.labelBelowMaxRows() == 0) {
            // Every label attains its row's maximum: the slope is negative for every beta.
            return passAtBound(
                    objective,
                    log,
                    first,
                    TemperatureFit.Outcome.AT_MIN_TEMPERATURE,
                    "every label is its row's arg-max");
        }
        if (first.slopeAtZero() >= 0) {
            // The slope is non-negative already at beta -> 0+, so the optimum is T = infinity.
            return passAtBound(
                    objective,
                    log,
                    first,
                    TemperatureFit.Outcome.AT_MAX_TEMPERATURE,
                    "the logits rank the labels no better than average");
        }

        double lo = 0; // the slope is negative at lo (its limit at 0+ is, see above)
        double hi = Double.POSITIVE_INFINITY; // and positive at hi (its limit at infinity is)
        double lastStep = Double.POSITIVE_INFINITY;
        double stepBefore = Double.POSITIVE_INFINITY;
        PassTotals point = first;
        PassTotals best = first;
        while (true) {
            double beta = point.beta();
            double slope = point.slope();
            if (slope == 0) {
                return converged(nllBefore, point, beta, passes);
            }
            if (slope < 0) {
                lo = beta;
            } else {
                hi = beta;
            }
            double candidate = halleyStep(point);
            if (remainingError(candidate - beta, lastStep) <= tolerance * beta) { // NaN: false
                // Converged (the step may be below one ulp). Keep the target inside the bracket,
                // where the root is.
                double target = Math.min(Math.max(candidate, lo), hi);
                return converged(
                        nllBefore, point, Math.min(Math.max(target, betaMin), betaMax), passes);
            }
            double next;
            if (hi == Double.POSITIVE_INFINITY) {
                if (beta >= betaMax) {
                    return atBound(
                            first,
                            point,
                            passes,
                            TemperatureFit.Outcome.AT_MIN_TEMPERATURE,
                            "the optimum lies below it");
                }
                next = candidate > beta ? Math.min(candidate, beta * EXPANSION) : beta * EXPANSION;
                next = Math.min(next, betaMax);
            } else if (lo == 0) {
                if (beta <= betaMin) {
                    return atBound(
                            first,
                            point,
                            passes,
                            TemperatureFit.Outcome.AT_MAX_TEMPERATURE,
                            "the optimum lies above it");
                }
                next =
                        candidate < beta && candidate > 0
                                ? Math.max(candidate, beta / EXPANSION)
                                : beta / EXPANSION;
                next = Math.max(next, betaMin);
            } else {
                boolean inside = candidate > lo && candidate < hi; // false for NaN
                boolean shrinking = Math.abs(candidate - beta) <= 0.5 * Math.abs(stepBefore);
                if (inside && shrinking) {
                    next = candidate;
                } else {
                    next = Math.sqrt(lo * hi);
                    // The root lies in the bracket, so the midpoint is within half of it.
                    if (Math.max(next - lo, hi - next) <= tolerance * next) {
                        return converged(nllBefore, point, next, passes);
                    }
                }
            }
            double step = next - beta;
            if (passes >= maxIterations) {
                logger.warn(
                        "Temperature fit: no convergence within {} iterations (last T = {}, step"
                                + " {} relative); returning the best T = {}",
                        maxIterations,
                        1 / beta,
                        Math.abs(step) / beta,
                        1 / best.beta());
                return new TemperatureFit(
                        1 / best.beta(),
                        nllBefore,
                        best.nll(),
                        passes,
                        TemperatureFit.Outcome.MAX_ITERATIONS);
            }
            stepBefore = lastStep;
            lastStep = step;
            point = log.pass(objective.at(next));
            passes++;
            if (point.nll() < best.nll()) {
                best = point;
            }
        }
    }

    /**
     * Estimates how far the target of {@code step} still is from the root. Halley and Newton steps
     * shrink superlinearly near the root, so the error left after a step is below the step itself;
     * when the steps shrink only linearly, by a ratio {@code r = |step| / |lastStep| > 1/2}, the
     * rest of the geometric series, {@code |step| r / (1 - r)}, is used instead (capped at 100
     * |step| so that steps at rounding level still converge).
     */
    private static double remainingError(double step, double lastStep) {
        double size = Math.abs(step);
        double ratio = size / Math.abs(lastStep); // 0 before the first step
        double factor = ratio <= 0.5 ? 1 : ratio < 0.99 ? ratio / (1 - ratio) : 100;
        return size * factor;
    }

    /**
     * The next iterate proposed by Halley's method on the slope (Newton's method when Halley's
     * denominator is not positive), or NaN when the curvature vanishes.
     */
    private static double halleyStep(PassTotals point) {
        double slope = point.slope();
        double curvature = point.curvature();
        if (!(curvature > 0)) {
            return Double.NaN;
        }
        double denominator = 2 * curvature * curvature - slope * point.thirdDerivative();
        return denominator > 0
                ? point.beta() - 2 * slope * curvature / denominator
                : point.beta() - slope / curvature;
    }

    /**
     * The converged fit at {@code beta}, the last step's target, which lies within the tolerance of
     * the evaluated point; its NLL is the second-order Taylor expansion around that point, exact to
     * within O(step^3), far below float64 resolution for steps within the tolerance.
     */
    private static TemperatureFit converged(
            double nllBefore, PassTotals point, double beta, int passes) {
        double step = beta - point.beta();
        double nll = point.nll() + step * (point.slope() + 0.5 * step * point.curvature());
        TemperatureFit fit = new TemperatureFit(1 / beta, nllBefore, nll, passes);
        logger.debug("Temperature fit converged: {}", fit);
        return fit;
    }

    /**
     * Stops at a temperature bound after the first pass, with one more pass at the bound unless the
     * bound is {@code T = 1}, where the first pass was.
     */
    private <E extends Exception> TemperatureFit passAtBound(
            Objective<E> objective,
            Log log,
            PassTotals first,
            TemperatureFit.Outcome bound,
            String reason)
            throws E {
        double beta = 1 / temperatureAt(bound);
        if (beta == 1.0) {
            return atBound(first, first, 1, bound, reason);
        }
        return atBound(first, log.pass(objective.at(beta)), 2, bound, reason);
    }

    private double temperatureAt(TemperatureFit.Outcome bound) {
        return bound == TemperatureFit.Outcome.AT_MIN_TEMPERATURE ? minTemperature : maxTemperature;
    }

    private TemperatureFit atBound(
            PassTotals first,
            PassTotals last,
            int passes,
            TemperatureFit.Outcome bound,
            String reason) {
        double t = temperatureAt(bound);
        boolean atMin = bound == TemperatureFit.Outcome.AT_MIN_TEMPERATURE;
        TemperatureFit fit = new TemperatureFit(t, first.nll(), last.nll(), passes, bound);
        logger.warn(
                "Temperature fit stopped at the {} temperature T = {} ({}; the NLL still decreases"
                        + " there): {}",
                atMin ? "minimum" : "maximum",
                t,
                reason,
                fit);
        return fit;
    }

    /**
     * Logs each pass: at DEBUG, or at INFO once the fit has run for a second, so that long fits
     * show their progress.
     */
    private static final class Log {
        private static final long LONG_FIT_NANOS = TimeUnit.SECONDS.toNanos(1);
        private final long start = System.nanoTime();
        private int passes;

        PassTotals pass(PassTotals totals) {
            passes++;
            long elapsed = System.nanoTime() - start;
            String format =
                    "Temperature fit, pass {}: T = {}, mean NLL = {}, dNLL/dbeta = {} ({} rows, {}"
                            + " ms so far)";
            Object[] args = {
                passes,
                1 / totals.beta(),
                totals.nll(),
                totals.slope(),
                totals.rows(),
                TimeUnit.NANOSECONDS.toMillis(elapsed)
            };
            if (elapsed >= LONG_FIT_NANOS) {
                logger.info(format, args);
            } else {
                logger.debug(format, args);
            }
            return totals;
        }
    }
}
