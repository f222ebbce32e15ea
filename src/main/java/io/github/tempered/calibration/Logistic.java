package io.github.tempered.calibration;

/** The logistic function and the binary log-loss of a score, in float64 and without overflow. */
final class Logistic {

    private Logistic() {}

    /**
     * Returns {@code sigmoid(s) = 1 / (1 + e^-s)}, computed from {@code e^-|s|} so that no
     * exponential overflows.
     *
     * @param s the score
     * @return {@code P(y = 1)}
     */
    static double sigmoid(double s) {
        double e = Math.exp(-Math.abs(s));
        return s >= 0 ? 1 / (1 + e) : e / (1 + e);
    }

    /**
     * Returns the negative log-likelihood of a label under {@code sigmoid(s)}: {@code log(1 + e^s)
     * - y s}, which is {@code -log sigmoid(s)} for {@code y = 1} and {@code -log(1 - sigmoid(s))}
     * for {@code y = 0}.
     *
     * @param s the score
     * @param y the label, 0 or 1
     * @return the NLL
     */
    static double nll(double s, int y) {
        return Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - y * s;
    }
}
