package io.github.tempered.calibration;

/**
 * The Cholesky factor {@code L L^T = H + delta I} of a dense symmetric positive semi-definite
 * matrix, damped so that it is definite, applied as the L-BFGS preconditioner {@code q -> (H +
 * delta I)^-1 q}.
 */
final class Cholesky implements Lbfgs.Preconditioner {

    /** The damping, relative to the mean diagonal entry. */
    private static final double DAMPING = 1e-8;

    private final int n;
    private final double[] lower;

    private Cholesky(int n, double[] lower) {
        this.n = n;
        this.lower = lower;
    }

    /**
     * Factors {@code H + delta I}, with {@code delta} a small fraction of the mean diagonal.
     *
     * @param h the symmetric matrix, {@code n x n} row-major (only the lower triangle is read);
     *     overwritten by the factor
     * @param n the order
     * @return the factor, or {@code null} if the matrix is not positive semi-definite enough to
     *     factor (or not finite)
     */
    static Cholesky factor(double[] h, int n) {
        return factor(h, n, DAMPING);
    }

    /**
     * Factors {@code H + delta I} with {@code delta} the given fraction of the mean diagonal.
     *
     * @param h the symmetric matrix, {@code n x n} row-major (only the lower triangle is read);
     *     overwritten by the factor
     * @param n the order
     * @param damping the fraction of the mean diagonal added to the diagonal
     * @return the factor, or {@code null} if the matrix cannot be factored
     */
    static Cholesky factor(double[] h, int n, double damping) {
        double trace = 0;
        for (int j = 0; j < n; j++) {
            trace += h[j * n + j];
        }
        double delta = damping * trace / n;
        if (!(delta > 0) || !Double.isFinite(delta)) {
            return null;
        }
        for (int j = 0; j < n; j++) {
            h[j * n + j] += delta;
        }
        for (int j = 0; j < n; j++) {
            int rowJ = j * n;
            double diagonal = h[rowJ + j];
            for (int k = 0; k < j; k++) {
                diagonal -= h[rowJ + k] * h[rowJ + k];
            }
            if (!(diagonal > 0)) {
                return null;
            }
            double pivot = Math.sqrt(diagonal);
            h[rowJ + j] = pivot;
            for (int i = j + 1; i < n; i++) {
                int rowI = i * n;
                double v = h[rowI + j];
                for (int k = 0; k < j; k++) {
                    v -= h[rowI + k] * h[rowJ + k];
                }
                h[rowI + j] = v / pivot;
            }
        }
        return new Cholesky(n, h);
    }

    /** {@inheritDoc} */
    @Override
    public double[] apply(double[] q) {
        double[] v = q.clone();
        for (int i = 0; i < n; i++) {
            int row = i * n;
            double sum = v[i];
            for (int k = 0; k < i; k++) {
                sum -= lower[row + k] * v[k];
            }
            v[i] = sum / lower[row + i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double sum = v[i];
            for (int k = i + 1; k < n; k++) {
                sum -= lower[k * n + i] * v[k];
            }
            v[i] = sum / lower[i * n + i];
        }
        return v;
    }
}
