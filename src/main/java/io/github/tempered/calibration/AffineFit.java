package io.github.tempered.calibration;

import java.util.Locale;

/**
 * What the fitted affine maps share: the float64 solution and its diagnostics. Subclasses are
 * immutable.
 */
abstract class AffineFit implements Calibration {

    /** The fitted parameters and diagnostics; never modified. */
    final AffineSolver.Solution solution;

    AffineFit(AffineSolver.Solution solution) {
        this.solution = solution;
    }

    /** {@inheritDoc} */
    @Override
    public double nllBefore() {
        return solution.nllBefore();
    }

    /** {@inheritDoc} */
    @Override
    public double nllAfter() {
        return solution.nllAfter();
    }

    /**
     * Returns the number of L-BFGS iterations the fit made.
     *
     * @return the iterations
     */
    public int iterations() {
        return solution.iterations();
    }

    /**
     * Returns the Euclidean norm of the objective's gradient (NLL plus any penalty) at the fitted
     * parameters.
     *
     * @return the gradient norm; at most the tolerance when {@link #convergence()} is {@link
     *     Convergence#CONVERGED}
     */
    public double gradientNorm() {
        return solution.gradientNorm();
    }

    /**
     * Returns how the fit ended.
     *
     * @return the convergence
     */
    public Convergence convergence() {
        return solution.convergence();
    }

    /**
     * Returns the number of classes.
     *
     * @return {@code C}
     */
    public int numClasses() {
        return solution.biases().length;
    }

    /**
     * Formats the one-line summary of a fit.
     *
     * @param name the class name
     * @return e.g. {@code VectorFit[C=10, NLL 1.2397 -> 0.8812, 23 iterations, |grad| 3.1e-09]}
     */
    String summary(String name) {
        return String.format(
                Locale.ROOT,
                "%s[C=%d, NLL %.5g -> %.5g, %d iterations, |grad| %.2g%s]",
                name,
                numClasses(),
                nllBefore(),
                nllAfter(),
                iterations(),
                gradientNorm(),
                convergence() == Convergence.CONVERGED ? "" : ", " + convergence());
    }
}
