package io.github.tempered.calibration;

/** Row-wise softmax and log-softmax of {@code rows x classes} float64 arrays, in place. */
final class Softmax {

    private Softmax() {}

    /**
     * Replaces each row by its log-softmax, {@code z - logsumexp(z)}, without overflow.
     *
     * @param values the rows, row-major, finite
     * @param classes the row length
     */
    static void logInPlace(double[] values, int classes) {
        for (int offset = 0; offset < values.length; offset += classes) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, values[offset + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(values[offset + c] - max);
            }
            double logSum = max + Math.log(sum);
            for (int c = 0; c < classes; c++) {
                values[offset + c] -= logSum;
            }
        }
    }

    /**
     * Replaces each row by its softmax.
     *
     * @param values the rows, row-major, finite
     * @param classes the row length
     */
    static void inPlace(double[] values, int classes) {
        logInPlace(values, classes);
        for (int k = 0; k < values.length; k++) {
            values[k] = Math.exp(values[k]);
        }
    }
}
