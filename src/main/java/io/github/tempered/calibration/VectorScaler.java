package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;

/**
 * Fits vector scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks", section 4.2):
 * one weight and one bias per class,
 *
 * <pre>
 *   p = softmax(w * z + b)          (element-wise product)
 * </pre>
 *
 * with {@code w} and {@code b} minimising the mean negative log-likelihood of the fit data, {@code
 * mean_i [logsumexp(w * z_i + b) - (w_y z_iy + b_y)]}, over logits {@code z} {@code (N, C)} and
 * class indices {@code y} {@code (N)}.
 *
 * <h2>Method</h2>
 *
 * <p>The NLL is convex in {@code (w, b)}. The fit copies the logits once into the JVM as float64
 * and minimises it with L-BFGS and a strong-Wolfe line search, from the identity map {@code w = 1,
 * b = 0}, until the Euclidean norm of the gradient is at most the tolerance ({@code 1e-8} by
 * default): the fitted parameters are the optimum to float64 precision, not an early stop. Adding a
 * constant to every bias changes no probability, so the biases are returned centred to sum 0. Each
 * iteration is one pass over the data (an exp per logit), parallel over rows for large inputs.
 *
 * <h2>Inputs</h2>
 *
 * <ul>
 *   <li>Logits: {@code (N, C)}, float32, float64 or float16, finite, {@code N >= 1}, {@code C >=
 *       2}.
 *   <li>Labels: {@code (N)} class indices in {@code [0, C)} of an integer type (int64, int32, int8,
 *       uint8).
 *   <li>Invalid input gives an {@link IllegalArgumentException} naming the argument and what was
 *       seen: null arrays, wrong shapes, empty input, labels of another type or range, NaN or
 *       infinite logits.
 * </ul>
 *
 * <p>When the optimum lies at infinity (a class that no row has as its label, or labels the map
 * separates perfectly), the gradient vanishes on the way: the fit ends at large parameters with a
 * fitted NLL near 0 and logs a warning. {@link VectorFit#convergence()} tells how it ended.
 *
 * <pre>{@code
 * VectorFit fit = new VectorScaler().fit(validationLogits, validationLabels);
 * NDArray probabilities = fit.apply(testLogits);   // softmax(w * z + b)
 * }</pre>
 *
 * <p>Instances are immutable and safe to share across threads.
 */
public final class VectorScaler implements Calibrator {

    private final ConvexOptions options;

    /** Creates a scaler with the default options: gradient tolerance 1e-8, 1000 iterations. */
    public VectorScaler() {
        this(ConvexOptions.DEFAULT);
    }

    private VectorScaler(ConvexOptions options) {
        this.options = options;
    }

    /**
     * Creates a builder for a {@code VectorScaler}.
     *
     * @return a new builder holding the default options
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Fits the weights and biases.
     *
     * @param logits {@code (N, C)} logits, finite, {@code C >= 2}
     * @param labels {@code (N)} class indices of an integer type
     * @return the fit
     * @throws IllegalArgumentException if the inputs are invalid (see the class documentation)
     */
    @Override
    public VectorFit fit(NDArray logits, NDArray labels) {
        CalibrationInputs.Multiclass data = CalibrationInputs.multiclass(logits, labels);
        AffineObjective objective =
                new AffineObjective(
                        AffineObjective.Form.DIAGONAL,
                        data.logits(),
                        data.labels(),
                        data.classes(),
                        0,
                        0);
        return new VectorFit(AffineSolver.solve(objective, options.optimizer(), "Vector scaling"));
    }

    /** Builds a {@link VectorScaler}. */
    public static final class Builder extends ConvexBuilder<Builder> {

        private Builder() {}

        /** {@inheritDoc} */
        @Override
        Builder self() {
            return this;
        }

        /**
         * Validates the options and builds the scaler.
         *
         * @return a new scaler
         * @throws IllegalArgumentException if an option is out of range
         */
        public VectorScaler build() {
            return new VectorScaler(options());
        }
    }
}
