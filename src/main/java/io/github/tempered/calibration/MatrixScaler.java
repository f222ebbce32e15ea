package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;

/**
 * Fits matrix scaling (Guo et al. 2017, section 4.2) and Dirichlet calibration (Kull et al. 2019,
 * "Beyond temperature scaling: Obtaining well-calibrated multiclass probabilities with Dirichlet
 * calibration"): a full {@code C x C} matrix and a bias vector,
 *
 * <pre>
 *   p = softmax(W x + b),   x = z (LOGITS, matrix scaling)
 *                           x = log_softmax(z) (LOG_PROBABILITIES, Dirichlet calibration)
 * </pre>
 *
 * with {@code W} and {@code b} minimising the mean negative log-likelihood of the fit data plus,
 * optionally, the ODIR penalty (Off-Diagonal and Intercept Regularisation) of Kull et al.:
 *
 * <pre>
 *   mean_i NLL_i  +  offDiagonalL2 / (C (C - 1)) * sum_{c != d} W_cd^2  +  interceptL2 / C * sum_c b_c^2
 * </pre>
 *
 * <h2>Options</h2>
 *
 * <ul>
 *   <li>{@link Builder#optInput(Input)}: {@link Input#LOGITS} (default, matrix scaling) or {@link
 *       Input#LOG_PROBABILITIES} (Dirichlet calibration; the map acts on the log of the
 *       classifier's probabilities, which the fit computes from the logits in float64).
 *   <li>{@link Builder#optOffDiagonalL2(double)}, {@link Builder#optInterceptL2(double)}: the ODIR
 *       weights, {@code >= 0}, default 0 (no penalty). Without them, matrix scaling has {@code C^2
 *       + C} free parameters and overfits when {@code C} is large (Guo et al. report it for 100
 *       classes); Kull et al. choose both weights by cross-validation.
 *   <li>{@link Builder#optGradientTolerance(double)} (default {@code 1e-8}) and {@link
 *       Builder#optMaxIterations(int)} (default 1000): the stop rules.
 * </ul>
 *
 * <h2>Method</h2>
 *
 * <p>The objective is convex in {@code (W, b)}. The fit copies the logits once into the JVM as
 * float64 and minimises it with L-BFGS and a strong-Wolfe line search from the identity map {@code
 * W = I, b = 0} until the Euclidean norm of the gradient is at most the tolerance: the result is
 * the optimum to float64 precision. Each iteration is one pass over the data ({@code 2 C^2}
 * multiply-adds and {@code C} exps per row), parallel over rows for large inputs. Softmax does not
 * change when a constant is added to every bias or a vector {@code v} to every row of {@code W}, so
 * where no penalty fixes them the fit returns the biases centred to sum 0 and each column of {@code
 * W} summing to 1 (as the identity's do).
 *
 * <h2>Inputs</h2>
 *
 * <ul>
 *   <li>Logits: {@code (N, C)}, float32, float64 or float16, finite, {@code N >= 1}, {@code C >=
 *       2}.
 *   <li>Labels: {@code (N)} class indices in {@code [0, C)} of an integer type.
 *   <li>Invalid input or options give an {@link IllegalArgumentException} naming the argument and
 *       what was seen.
 * </ul>
 *
 * <p>When the optimum lies at infinity (for example an unregularised fit whose labels a linear map
 * separates perfectly, common when {@code N} is small against {@code C^2}: 5,000 rows of 100
 * classes are), the gradient vanishes on the way: the fit ends at large parameters with a fitted
 * NLL near 0 and logs a warning, and the map is overconfident on new data. An ODIR penalty makes
 * the optimum finite.
 *
 * <pre>{@code
 * MatrixFit dirichlet = MatrixScaler.builder()
 *         .optInput(MatrixScaler.Input.LOG_PROBABILITIES)
 *         .optOffDiagonalL2(1e-2).optInterceptL2(1e-2)
 *         .build()
 *         .fit(validationLogits, validationLabels);
 * NDArray probabilities = dirichlet.apply(testLogits);
 * }</pre>
 *
 * <p>Instances are immutable and safe to share across threads.
 */
public final class MatrixScaler implements Calibrator {

    /** What the matrix multiplies. */
    public enum Input {
        /** The logits: matrix scaling. */
        LOGITS,
        /** The log-probabilities {@code log_softmax(logits)}: Dirichlet calibration. */
        LOG_PROBABILITIES
    }

    private final ConvexOptions options;
    private final double offDiagonalL2;
    private final double interceptL2;
    private final Input input;

    /**
     * Creates an unregularised matrix scaler on logits with the default stop rules: gradient
     * tolerance 1e-8, 1000 iterations.
     */
    public MatrixScaler() {
        this(builder());
    }

    private MatrixScaler(Builder builder) {
        options = builder.options();
        offDiagonalL2 = builder.offDiagonalL2;
        interceptL2 = builder.interceptL2;
        input = builder.input;
    }

    /**
     * Creates a builder for a {@code MatrixScaler}.
     *
     * @return a new builder holding the default options
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns what the matrix multiplies.
     *
     * @return the input
     */
    public Input getInput() {
        return input;
    }

    /**
     * Returns the ODIR weight of the off-diagonal entries.
     *
     * @return the weight, {@code >= 0}
     */
    public double getOffDiagonalL2() {
        return offDiagonalL2;
    }

    /**
     * Returns the ODIR weight of the biases.
     *
     * @return the weight, {@code >= 0}
     */
    public double getInterceptL2() {
        return interceptL2;
    }

    /**
     * Fits the matrix and biases.
     *
     * @param logits {@code (N, C)} logits, finite, {@code C >= 2}
     * @param labels {@code (N)} class indices of an integer type
     * @return the fit
     * @throws IllegalArgumentException if the inputs are invalid (see the class documentation)
     */
    @Override
    public MatrixFit fit(NDArray logits, NDArray labels) {
        CalibrationInputs.Multiclass data = CalibrationInputs.multiclass(logits, labels);
        double[] features = data.logits();
        if (input == Input.LOG_PROBABILITIES) {
            Softmax.logInPlace(features, data.classes());
        }
        AffineObjective objective =
                new AffineObjective(
                        AffineObjective.Form.FULL,
                        features,
                        data.labels(),
                        data.classes(),
                        offDiagonalL2,
                        interceptL2);
        String method = input == Input.LOGITS ? "Matrix scaling" : "Dirichlet calibration";
        return new MatrixFit(AffineSolver.solve(objective, options.optimizer(), method), input);
    }

    /** Builds a {@link MatrixScaler}. */
    public static final class Builder extends ConvexBuilder<Builder> {

        private double offDiagonalL2;
        private double interceptL2;
        private Input input = Input.LOGITS;

        private Builder() {}

        /** {@inheritDoc} */
        @Override
        Builder self() {
            return this;
        }

        /**
         * Sets the ODIR weight of the off-diagonal entries of {@code W}: the penalty {@code
         * offDiagonalL2 / (C (C - 1)) * sum_{c != d} W_cd^2}.
         *
         * @param offDiagonalL2 finite, {@code >= 0}; default 0
         * @return this builder
         */
        public Builder optOffDiagonalL2(double offDiagonalL2) {
            this.offDiagonalL2 = offDiagonalL2;
            return this;
        }

        /**
         * Sets the ODIR weight of the biases: the penalty {@code interceptL2 / C * sum_c b_c^2}.
         *
         * @param interceptL2 finite, {@code >= 0}; default 0
         * @return this builder
         */
        public Builder optInterceptL2(double interceptL2) {
            this.interceptL2 = interceptL2;
            return this;
        }

        /**
         * Sets what the matrix multiplies.
         *
         * @param input {@link Input#LOGITS} (default, matrix scaling) or {@link
         *     Input#LOG_PROBABILITIES} (Dirichlet calibration)
         * @return this builder
         */
        public Builder optInput(Input input) {
            this.input = input;
            return this;
        }

        /**
         * Validates the options and builds the scaler.
         *
         * @return a new scaler
         * @throws IllegalArgumentException if an option is out of range or null
         */
        public MatrixScaler build() {
            requireWeight("offDiagonalL2", offDiagonalL2);
            requireWeight("interceptL2", interceptL2);
            if (input == null) {
                throw new IllegalArgumentException("input: must not be null");
            }
            return new MatrixScaler(this);
        }

        private static void requireWeight(String argument, double value) {
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException(
                        argument + ": must be finite and >= 0, got " + value);
            }
        }
    }
}
