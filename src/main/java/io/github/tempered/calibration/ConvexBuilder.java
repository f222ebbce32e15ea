package io.github.tempered.calibration;

/**
 * The options shared by the builders of the convex fits ({@link VectorScaler}, {@link
 * MatrixScaler}, {@link PlattScaler}): the stop rules of their L-BFGS minimization.
 *
 * @param <T> the concrete builder
 */
abstract class ConvexBuilder<T extends ConvexBuilder<T>> {

    private double gradientTolerance = ConvexOptions.DEFAULT_TOLERANCE;
    private int maxIterations = ConvexOptions.DEFAULT_MAX_ITERATIONS;

    ConvexBuilder() {}

    /**
     * Sets the gradient-norm tolerance at which the fit stops.
     *
     * @param gradientTolerance in {@code (0, 1e-2]}; default {@code 1e-8}
     * @return this builder
     */
    public T optGradientTolerance(double gradientTolerance) {
        this.gradientTolerance = gradientTolerance;
        return self();
    }

    /**
     * Sets the largest number of L-BFGS iterations.
     *
     * @param maxIterations at least 1; default 1000
     * @return this builder
     */
    public T optMaxIterations(int maxIterations) {
        this.maxIterations = maxIterations;
        return self();
    }

    /**
     * Returns this builder.
     *
     * @return this builder
     */
    abstract T self();

    /**
     * Validates the stop rules.
     *
     * @return the options
     * @throws IllegalArgumentException if one is out of range
     */
    ConvexOptions options() {
        return new ConvexOptions(gradientTolerance, maxIterations);
    }
}
