package io.github.tempered.calibration;

import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits an {@link AffineObjective}: starts at the identity map scaled by the temperature that is
 * optimal on a sample of rows, minimises with {@link Lbfgs} preconditioned by a {@link
 * SampledHessian} refreshed along the way, and returns the minimum in the original variables, in
 * the canonical gauge, with its diagnostics; logs the outcome and warns about fits whose optimum
 * lies at infinity.
 */
final class AffineSolver {

    private static final Logger logger = LoggerFactory.getLogger(AffineSolver.class);

    /** Multiply-adds spent on the sampled Hessian of the preconditioner. */
    private static final long SAMPLE_WORK = 1L << 22;

    /** Rows the preconditioner's Hessian uses at least (all rows if there are fewer). */
    private static final int MIN_SAMPLE = 512;

    /** A fitted NLL below this means the map (nearly) separates the fit data. */
    private static final double SEPARATED_NLL = 1e-6;

    private AffineSolver() {}

    /**
     * The minimum in the original variables.
     *
     * @param weights the weights, laid out as the parameters
     * @param biases the biases
     * @param nllBefore the mean NLL at the identity map
     * @param nllAfter the mean NLL at the minimum (without the penalty)
     * @param iterations the L-BFGS iterations
     * @param gradientNorm the Euclidean norm of the objective's gradient at the minimum
     * @param convergence how the minimization ended
     */
    record Solution(
            double[] weights,
            double[] biases,
            double nllBefore,
            double nllAfter,
            int iterations,
            double gradientNorm,
            Convergence convergence) {}

    /**
     * Minimizes the objective.
     *
     * @param objective the objective
     * @param optimizer the optimizer
     * @param method the method's name for log messages
     * @return the solution
     */
    static Solution solve(AffineObjective objective, Lbfgs optimizer, String method) {
        long startNanos = System.nanoTime();
        double nllBefore = objective.identityNll();
        int[] sample = sampleRows(objective);
        double[] start = objective.scaledIdentity(startingScale(objective, sample));
        boolean refreshed = SampledHessian.isRefreshed(objective);
        Lbfgs.Preconditioner[] kept = new Lbfgs.Preconditioner[1];
        Lbfgs.Result result =
                optimizer.minimize(
                        objective,
                        start,
                        objective::originalGradientNorm,
                        at -> {
                            if (kept[0] == null || refreshed) {
                                kept[0] = SampledHessian.preconditioner(objective, at, sample);
                            }
                            return kept[0];
                        });
        double[] theta = result.x();
        double[] original = objective.original(theta);
        int weights = objective.weightCount();
        Solution solution =
                new Solution(
                        Arrays.copyOf(original, weights),
                        Arrays.copyOfRange(original, weights, original.length),
                        nllBefore,
                        result.value() - objective.penalty(theta),
                        result.iterations(),
                        result.gradientNorm(),
                        result.convergence());
        log(objective, method, result, solution, startNanos);
        return solution;
    }

    private static void log(
            AffineObjective objective,
            String method,
            Lbfgs.Result result,
            Solution solution,
            long startNanos) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        if (result.convergence() == Convergence.CONVERGED) {
            logger.debug(
                    "{} fit: NLL {} -> {}, gradient norm {} after {} iterations ({} passes, {} ms)",
                    method,
                    solution.nllBefore(),
                    solution.nllAfter(),
                    result.gradientNorm(),
                    result.iterations(),
                    result.evaluations(),
                    millis);
        } else {
            logger.warn(
                    "{} fit ended {} with gradient norm {} after {} iterations ({} passes, {} ms):"
                            + " NLL {} -> {}",
                    method,
                    result.convergence(),
                    result.gradientNorm(),
                    result.iterations(),
                    result.evaluations(),
                    millis,
                    solution.nllBefore(),
                    solution.nllAfter());
        }
        if (solution.nllAfter() < SEPARATED_NLL) {
            logger.warn(
                    "{} fit: the map (nearly) separates the {} fit rows (NLL {}): the optimum lies"
                            + " at infinity and the fitted parameters only stop where the gradient"
                            + " vanishes; the map will be overconfident on new data",
                    method,
                    objective.rows(),
                    solution.nllAfter());
        }
        if (objective.form() != AffineObjective.Form.BINARY) {
            boolean[] seen = new boolean[objective.classes()];
            for (int i = 0; i < objective.rows(); i++) {
                seen[objective.label(i)] = true;
            }
            for (int c = 0; c < seen.length; c++) {
                if (!seen[c]) {
                    logger.warn(
                            "{} fit: class {} is no row's label, so its probability is fitted"
                                    + " towards 0 (its bias towards -infinity)",
                            method,
                            c);
                }
            }
        }
    }

    /**
     * Returns evenly spaced rows for the preconditioner and the starting scale: as many as {@link
     * #SAMPLE_WORK} multiply-adds of the sampled Hessian allow, at least {@link #MIN_SAMPLE}, all
     * rows when there are fewer.
     */
    private static int[] sampleRows(AffineObjective objective) {
        int rows = objective.rows();
        long perRow = SampledHessian.workPerRow(objective);
        int count = (int) Math.min(rows, Math.max(MIN_SAMPLE, SAMPLE_WORK / perRow));
        int[] sample = new int[count];
        for (int s = 0; s < count; s++) {
            sample[s] = (int) ((long) s * rows / count);
        }
        return sample;
    }

    /**
     * Returns the inverse temperature {@code beta} that minimises the NLL of {@code softmax(beta
     * x)} (of {@code sigmoid(beta s)} for binary) on the sampled rows, the start of the fit: from
     * there the preconditioner sees nearly the final probabilities. Returns 1 when the sample has
     * no interior optimum (separable labels, or features ranking the labels below average).
     */
    private static double startingScale(AffineObjective objective, int[] sample) {
        int classes = objective.classes();
        boolean binary = objective.form() == AffineObjective.Form.BINARY;
        int width = binary ? 2 : classes;
        double[] values = new double[sample.length * width];
        long[] labels = new long[sample.length];
        for (int s = 0; s < sample.length; s++) {
            int i = sample[s];
            labels[s] = objective.label(i);
            for (int d = 0; d < classes; d++) {
                // The original feature; for binary, the logits (0, s) of sigmoid(s).
                values[s * width + width - classes + d] = objective.feature(i, d);
            }
        }
        LogitBlock block =
                LogitBlock.prepare(
                        values, width, labels, 0, "logits", new Shape(sample.length, width));
        // Separable, uninformative or constant samples end at a bound or undetermined: scale 1.
        TemperatureFit fit =
                new TemperatureSolver(1e-3, 50, 1e-4, 1e4)
                        .solve(
                                beta -> {
                                    PassTotals totals = new PassTotals(beta);
                                    totals.add(block);
                                    return totals;
                                });
        return fit.outcome() == TemperatureFit.Outcome.CONVERGED ? 1 / fit.temperature() : 1;
    }
}
