package io.github.tempered.calibration;

import java.util.Locale;

/**
 * The {@link PlattFit} that {@link PlattScaler} returns.
 *
 * @param slope the slope
 * @param intercept the intercept
 * @param nllBefore the mean binary NLL of {@code sigmoid(s)}
 * @param nllAfter the mean binary NLL of {@code sigmoid(slope * s + intercept)}
 * @param iterations the L-BFGS iterations
 * @param gradientNorm the gradient norm at the fit
 * @param convergence how the fit ended
 */
record PlattScaling(
        double slope,
        double intercept,
        double nllBefore,
        double nllAfter,
        int iterations,
        double gradientNorm,
        Convergence convergence)
        implements PlattFit {

    /**
     * Returns a one-line summary.
     *
     * @return e.g. {@code PlattFit[slope=0.61, intercept=-0.2, NLL 0.52 -> 0.43, 9 iterations]}
     */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "PlattFit[slope=%.6g, intercept=%.6g, NLL %.5g -> %.5g, %d iterations, |grad|"
                        + " %.2g%s]",
                slope,
                intercept,
                nllBefore,
                nllAfter,
                iterations,
                gradientNorm,
                convergence == Convergence.CONVERGED ? "" : ", " + convergence);
    }
}
