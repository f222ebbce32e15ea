package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;

/**
 * Fits Platt scaling (Platt 1999) of a binary classifier: one score (logit) {@code s} per row and
 *
 * <pre>
 *   P(y = 1) = sigmoid(a s + b)
 * </pre>
 *
 * with slope {@code a} and intercept {@code b} minimising the mean binary negative log-likelihood
 * {@code mean_i [log(1 + exp(a s_i + b)) - y_i (a s_i + b)]} of labels {@code y_i} in {0, 1}: a
 * logistic regression on the score without regularisation, as scikit-learn's {@code
 * LogisticRegression(penalty=None)}. (Platt's paper, and scikit-learn's {@code
 * CalibratedClassifierCV(method="sigmoid")}, also replace the 0/1 targets by {@code 1 / (N_- + 2)}
 * and {@code (N_+ + 1) / (N_+ + 2)}; this fit uses the labels as they are.)
 *
 * <h2>Method</h2>
 *
 * <p>The NLL is convex in {@code (a, b)}; the fit copies the scores once into the JVM as float64
 * and minimises it with L-BFGS and a strong-Wolfe line search from {@code a = 1, b = 0}, until the
 * gradient norm is at most the tolerance ({@code 1e-8} by default). If the labels are separated by
 * the score (every positive scores above every negative, or below), the optimum lies at infinity:
 * the gradient vanishes on the way, and the fit ends at a large slope with a fitted NLL near 0 and
 * logs a warning.
 *
 * <h2>Inputs</h2>
 *
 * <ul>
 *   <li>Scores: {@code (N)} or {@code (N, 1)}, float32, float64 or float16, finite, {@code N >= 1}:
 *       the binary classifier's logit (its {@code log(p / (1 - p))}).
 *   <li>Labels: {@code (N)} of an integer type, each 0 or 1.
 *   <li>Invalid input gives an {@link IllegalArgumentException} naming the argument and what was
 *       seen: null arrays, wrong shapes, empty input, labels other than 0 and 1, NaN or infinite
 *       scores.
 * </ul>
 *
 * <pre>{@code
 * PlattFit fit = new PlattScaler().fit(validationScores, validationLabels);
 * NDArray pPositive = fit.apply(testScores);     // (N), sigmoid(a s + b)
 * CalibrationReport report = CalibrationReport.ofBinary(pPositive, testLabels, 15);
 * }</pre>
 *
 * <p>Instances are immutable and safe to share across threads.
 */
public final class PlattScaler implements Calibrator {

    private final ConvexOptions options;

    /** Creates a scaler with the default options: gradient tolerance 1e-8, 1000 iterations. */
    public PlattScaler() {
        this(ConvexOptions.DEFAULT);
    }

    private PlattScaler(ConvexOptions options) {
        this.options = options;
    }

    /**
     * Creates a builder for a {@code PlattScaler}.
     *
     * @return a new builder holding the default options
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Fits the slope and intercept.
     *
     * @param scores {@code (N)} or {@code (N, 1)} scores, finite
     * @param labels {@code (N)} labels 0 or 1 of an integer type
     * @return the fit
     * @throws IllegalArgumentException if the inputs are invalid (see the class documentation)
     */
    @Override
    public PlattFit fit(NDArray scores, NDArray labels) {
        CalibrationInputs.Binary data = CalibrationInputs.binary(scores, labels);
        AffineObjective objective =
                new AffineObjective(
                        AffineObjective.Form.BINARY, data.scores(), data.labels(), 1, 0, 0);
        AffineSolver.Solution s =
                AffineSolver.solve(objective, options.optimizer(), "Platt scaling");
        return new PlattScaling(
                s.weights()[0],
                s.biases()[0],
                s.nllBefore(),
                s.nllAfter(),
                s.iterations(),
                s.gradientNorm(),
                s.convergence());
    }

    /** Builds a {@link PlattScaler}. */
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
        public PlattScaler build() {
            return new PlattScaler(options());
        }
    }
}
