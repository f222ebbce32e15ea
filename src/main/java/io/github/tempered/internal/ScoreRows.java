package io.github.tempered.internal;

/**
 * Checks of one row of class scores held in a Java array, shared by the single-machine code (rows
 * copied out of an NDArray) and the distributed code (rows read on an executor): each failure is an
 * {@link IllegalArgumentException} whose message starts with the argument's name and names the
 * offending value and its position.
 *
 * <p>A row is {@code classes} values of {@code values} from {@code offset}. Its position in
 * messages is {@code (row, class)} when the row's index is known ({@code row >= 0}) and {@code
 * class k} otherwise.
 */
public final class ScoreRows {

    private ScoreRows() {}

    /**
     * Returns how messages name the position of one value.
     *
     * @param row the row's index, or a negative number when unknown
     * @param column the class
     * @return {@code "(row, column)"} or {@code "class column"}
     */
    public static String at(long row, int column) {
        return row >= 0 ? "(" + row + ", " + column + ")" : "class " + column;
    }

    /**
     * Returns the largest value of a row of logits, checking that every value is finite.
     *
     * @param values the array holding the row
     * @param offset where the row starts
     * @param classes the row's length, at least 1
     * @param argument the argument's name, e.g. {@code "logits"}
     * @param row the row's index for messages, or a negative number when unknown
     * @param shape the shape of the whole input, named at the end of the message, or null
     * @return the maximum
     * @throws IllegalArgumentException "{@code argument}: must be finite, got V at POSITION[ of
     *     shape S]" for the first NaN or infinite value
     */
    public static double finiteMax(
            double[] values, int offset, int classes, String argument, long row, Object shape) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            double v = values[offset + c];
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(
                        argument
                                + ": must be finite, got "
                                + v
                                + " at "
                                + at(row, c)
                                + (shape == null ? "" : " of shape " + shape));
            }
            max = Math.max(max, v);
        }
        return max;
    }

    /**
     * Writes the float64 log-softmax of {@code scale} times a row, {@code scale z - max(scale z) -
     * log(sum(exp(scale z - max(scale z))))}, to {@code out[0, classes)}: finite for finite {@code
     * z}, whatever their magnitude; NaN for a row holding NaN.
     *
     * @param values the array holding the row
     * @param offset where the row starts
     * @param classes the row's length, at least 1
     * @param scale the factor applied first, e.g. {@code 1 / T}; greater than 0
     * @param out receives the log-probabilities
     */
    public static void logSoftmax(
            double[] values, int offset, int classes, double scale, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, scale * values[offset + c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += Math.exp(scale * values[offset + c] - max);
        }
        double log = Math.log(sum);
        for (int c = 0; c < classes; c++) {
            out[c] = scale * values[offset + c] - max - log;
        }
    }

    /**
     * Checks a row of probabilities: every value finite and non-negative, and the sum within {@code
     * tolerance} of 1.
     *
     * @param values the array holding the row
     * @param offset where the row starts
     * @param classes the row's length
     * @param tolerance the largest accepted {@code |sum - 1|}
     * @param argument the argument's name, e.g. {@code "probabilities"}
     * @param row the row's index for messages, or a negative number when unknown
     * @throws IllegalArgumentException naming the first non-finite or negative value, or the sum
     */
    public static void checkProbabilities(
            double[] values, int offset, int classes, double tolerance, String argument, long row) {
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            double p = values[offset + k];
            if (!Double.isFinite(p)) {
                throw new IllegalArgumentException(
                        argument + ": must be finite, got " + p + " at " + at(row, k));
            }
            if (p < 0) {
                throw new IllegalArgumentException(
                        argument + ": must not be negative, got " + p + " at " + at(row, k));
            }
            sum += p;
        }
        if (!(Math.abs(sum - 1) <= tolerance)) {
            throw new IllegalArgumentException(
                    argument
                            + ": each row must sum to 1 (within "
                            + tolerance
                            + "), but "
                            + (row >= 0 ? "row " + row : "the row")
                            + " sums to "
                            + sum);
        }
    }
}
