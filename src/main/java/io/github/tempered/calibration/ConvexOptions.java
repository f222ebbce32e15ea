package io.github.tempered.calibration;

/**
 * The stop rules shared by the convex fits ({@link VectorScaler}, {@link MatrixScaler}, {@link
 * PlattScaler}): the gradient-norm tolerance and the iteration limit of their L-BFGS minimization.
 *
 * @param gradientTolerance the Euclidean norm of the objective's gradient at which a fit counts as
 *     converged, in {@code (0, 1e-2]}
 * @param maxIterations the largest number of L-BFGS iterations, at least 1
 */
record ConvexOptions(double gradientTolerance, int maxIterations) {

    /** The default gradient-norm tolerance. */
    static final double DEFAULT_TOLERANCE = 1e-8;

    /** The default iteration limit. */
    static final int DEFAULT_MAX_ITERATIONS = 1000;

    /** Correction pairs kept by L-BFGS. */
    private static final int MEMORY = 30;

    /** The defaults. */
    static final ConvexOptions DEFAULT =
            new ConvexOptions(DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS);

    /**
     * Validates the options.
     *
     * @throws IllegalArgumentException naming the option and the value seen
     */
    ConvexOptions {
        if (!(gradientTolerance > 0 && gradientTolerance <= 1e-2)) {
            throw new IllegalArgumentException(
                    "gradientTolerance: must be in (0, 1e-2], got " + gradientTolerance);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException(
                    "maxIterations: must be at least 1, got " + maxIterations);
        }
    }

    /**
     * Returns the optimizer these options configure.
     *
     * @return a new L-BFGS
     */
    Lbfgs optimizer() {
        return new Lbfgs(MEMORY, gradientTolerance, maxIterations);
    }
}
