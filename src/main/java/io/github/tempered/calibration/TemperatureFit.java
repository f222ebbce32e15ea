package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import io.github.tempered.internal.Inputs;
import io.github.tempered.internal.OwnedArrays;
import io.github.tempered.internal.Precision;
import io.github.tempered.internal.Scopes;
import io.github.tempered.nn.TemperatureScaledBlock;
import java.util.Locale;

/**
 * The result of a temperature fit: the temperature {@code T}, the mean negative log-likelihood
 * before ({@code T = 1}) and after scaling, the number of passes the fit made over the data, and
 * how the fit ended.
 *
 * <p>A fit is immutable and can be applied to new logits with {@link #apply(NDArray)}, which
 * returns {@code softmax(logits / T)}.
 *
 * @param temperature the fitted temperature, finite and greater than 0
 * @param nllBefore the mean negative log-likelihood of the fit data at {@code T = 1}
 * @param nllAfter the mean negative log-likelihood of the fit data at {@link #temperature()}
 * @param iterations the number of passes over the data (evaluations of the NLL and its first two
 *     derivatives), counting the one at {@code T = 1}
 * @param outcome how the fit ended; see {@link Outcome}
 */
public record TemperatureFit(
        double temperature, double nllBefore, double nllAfter, int iterations, Outcome outcome)
        implements Calibration {

    /** How a temperature fit ended. */
    public enum Outcome {
        /** The relative change of {@code T} fell below the tolerance: {@code T} is the optimum. */
        CONVERGED,
        /**
         * The NLL still decreased at the smallest allowed temperature (for example because the data
         * are separable: every label is its row's arg-max, so the NLL falls towards its infimum as
         * {@code T -> 0}); {@code T} is that bound.
         */
        AT_MIN_TEMPERATURE,
        /**
         * The NLL still decreased at the largest allowed temperature (for example because the
         * logits rank the labels below average, so the optimum lies at {@code T -> infinity});
         * {@code T} is that bound.
         */
        AT_MAX_TEMPERATURE,
        /**
         * Every row of the logits is constant, so the NLL is the same for every {@code T}; the fit
         * returns {@code T = 1}.
         */
        UNDETERMINED,
        /**
         * The iteration limit was reached before convergence; {@code T} is the best temperature
         * seen.
         */
        MAX_ITERATIONS
    }

    /**
     * Creates a fit, validating its components.
     *
     * @param temperature the fitted temperature, finite and greater than 0
     * @param nllBefore the mean NLL at {@code T = 1}
     * @param nllAfter the mean NLL at {@code temperature}
     * @param iterations the number of passes over the data, at least 0
     * @param outcome how the fit ended, not null
     * @throws IllegalArgumentException if a component is out of range
     */
    public TemperatureFit {
        Inputs.requirePositiveFinite("temperature", temperature);
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations: must be >= 0, got " + iterations);
        }
        if (outcome == null) {
            throw new IllegalArgumentException("outcome: must not be null");
        }
    }

    /**
     * Creates a fit that ended with {@link Outcome#CONVERGED}.
     *
     * @param temperature the fitted temperature, finite and greater than 0
     * @param nllBefore the mean NLL at {@code T = 1}
     * @param nllAfter the mean NLL at {@code temperature}
     * @param iterations the number of passes over the data, at least 0
     * @throws IllegalArgumentException if a component is out of range
     */
    public TemperatureFit(double temperature, double nllBefore, double nllAfter, int iterations) {
        this(temperature, nllBefore, nllAfter, iterations, Outcome.CONVERGED);
    }

    /**
     * Returns whether the fit stopped at one of the temperature bounds rather than at an interior
     * optimum.
     *
     * @return {@code true} for {@link Outcome#AT_MIN_TEMPERATURE} and {@link
     *     Outcome#AT_MAX_TEMPERATURE}
     */
    public boolean atBound() {
        return outcome == Outcome.AT_MIN_TEMPERATURE || outcome == Outcome.AT_MAX_TEMPERATURE;
    }

    /**
     * Returns the calibrated probabilities {@code softmax(logits / T)} along the last axis.
     *
     * <p>Float64 logits give float64 probabilities; float32 and float16 logits are computed and
     * returned in float32 (float16 is widened inside the autograd graph, so a gradient still flows
     * back to logits that require one). NaN or infinite logits propagate as they do through
     * PyTorch's softmax (unlike {@code TemperatureScaler.fit}, which rejects them). The result is
     * attached to the manager of {@code logits}; every intermediate array is closed.
     *
     * @param logits raw logits, at least one dimension, the classes along the last axis (e.g.
     *     {@code (N, C)})
     * @return the calibrated probabilities, the shape of {@code logits}
     * @throws IllegalArgumentException if {@code logits} is null, a scalar or not floating point
     */
    @Override
    public NDArray apply(NDArray logits) {
        if (logits == null) {
            throw new IllegalArgumentException("logits: must not be null");
        }
        if (logits.getShape().dimension() == 0) {
            throw new IllegalArgumentException(
                    "logits: must have at least one dimension (the class axis), got a scalar of"
                            + " shape ()");
        }
        Inputs.requireReal(logits, "logits:");
        // Engine-owned operands on the logits' device: div(Number) would wrap a Java buffer that
        // autograd could outlive, and toType would cut the gradient.
        return Scopes.keepResult(
                () -> {
                    NDArray z = Precision.widen(logits);
                    return z.div(OwnedArrays.scalarLike(temperature, z)).softmax(-1);
                });
    }

    /**
     * Wraps a trained classifier with this temperature: a {@link TemperatureScaledBlock} whose
     * output is {@code softmax(logits / T)}, as {@link #apply(NDArray)} computes. Initialize the
     * returned block (the classifier keeps its trained parameters) before use; {@code Model.save} /
     * {@code Model.load} keep the temperature.
     *
     * @param classifier the trained block whose first output holds the logits, classes last
     * @return a new, uninitialized block
     * @throws IllegalArgumentException if {@code classifier} is null
     */
    public TemperatureScaledBlock wrap(Block classifier) {
        return TemperatureScaledBlock.builder()
                .setBlock(classifier)
                .setTemperature(temperature)
                .optProbabilities(true)
                .build();
    }

    /**
     * Returns a one-line summary, e.g. {@code TemperatureFit[T=2.1209, NLL 1.2397 -> 0.8867, 6
     * iterations]}, with the outcome appended when the fit did not converge normally.
     *
     * @return the summary
     */
    @Override
    public String toString() {
        String text =
                String.format(
                        Locale.ROOT,
                        "TemperatureFit[T=%.5g, NLL %.5g -> %.5g, %d iteration%s",
                        temperature,
                        nllBefore,
                        nllAfter,
                        iterations,
                        iterations == 1 ? "" : "s");
        switch (outcome) {
            case AT_MIN_TEMPERATURE:
                return text + ", stopped at the minimum temperature]";
            case AT_MAX_TEMPERATURE:
                return text + ", stopped at the maximum temperature]";
            case UNDETERMINED:
                return text + ", undetermined: every row of the logits is constant]";
            case MAX_ITERATIONS:
                return text + ", iteration limit reached before convergence]";
            default:
                return text + "]";
        }
    }
}
