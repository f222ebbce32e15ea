package io.github.tempered.calibration;

/**
 * How a convex calibration fit ({@link VectorScaler}, {@link MatrixScaler}, {@link PlattScaler})
 * ended.
 */
public enum Convergence {
    /**
     * The norm of the objective's gradient fell to the tolerance: the parameters are optimal. When
     * the optimum lies at infinity (labels that the map separates perfectly, a class that no row
     * has as its label), the gradient vanishes on the way there too: such a fit also ends here, at
     * large parameters with a fitted NLL near 0, and a warning is logged.
     */
    CONVERGED,
    /**
     * The iteration limit was reached first; the parameters are the last iterate, whose NLL is the
     * lowest seen.
     */
    MAX_ITERATIONS,
    /**
     * No step along the search direction lowered the objective: either the optimum lies at infinity
     * (for example labels that the map separates perfectly, or a class that never occurs as a
     * label) or the gradient cannot be reduced further in float64. The parameters are the last
     * iterate.
     */
    STALLED
}
