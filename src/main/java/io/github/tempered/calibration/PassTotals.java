package io.github.tempered.calibration;

/**
 * Totals of one pass over the data at one {@code beta = 1 / T}: the summed objective and its first
 * three derivatives (see {@link LogitBlock}), and what the solver needs to know about the data.
 */
final class PassTotals {

    private final double beta;
    private long rows;
    private final double[] sums = new double[4];
    private long nonConstantRows;
    private long labelBelowMaxRows;
    private double slopeAtZero;

    /**
     * Creates empty totals for a pass at {@code beta}.
     *
     * @param beta the inverse temperature of the pass
     */
    PassTotals(double beta) {
        this.beta = beta;
    }

    /**
     * Creates the totals of a pass over one row with the given values, for exercising the solver
     * with objectives that are not backed by logits.
     *
     * @param beta the inverse temperature
     * @param nll the NLL
     * @param slope its first derivative in beta
     * @param curvature its second derivative
     * @param third its third derivative
     * @param separable whether every label is its row's arg-max
     * @param slopeAtZero the slope's limit at {@code beta -> 0+}
     * @return the totals
     */
    static PassTotals of(
            double beta,
            double nll,
            double slope,
            double curvature,
            double third,
            boolean separable,
            double slopeAtZero) {
        PassTotals totals = new PassTotals(beta);
        totals.rows = 1;
        totals.sums[0] = nll;
        totals.sums[1] = slope;
        totals.sums[2] = curvature;
        totals.sums[3] = third;
        totals.nonConstantRows = 1;
        totals.labelBelowMaxRows = separable ? 0 : 1;
        totals.slopeAtZero = slopeAtZero;
        return totals;
    }

    /**
     * Adds one block of rows.
     *
     * @param block the block
     */
    void add(LogitBlock block) {
        block.accumulate(beta, sums);
        rows += block.rows();
        nonConstantRows += block.nonConstantRows();
        labelBelowMaxRows += block.labelBelowMaxRows();
        slopeAtZero = block.addSlopesAtZero(slopeAtZero);
    }

    /**
     * Returns the inverse temperature of this pass.
     *
     * @return beta
     */
    double beta() {
        return beta;
    }

    /**
     * Returns the number of rows seen.
     *
     * @return the rows
     */
    long rows() {
        return rows;
    }

    /**
     * Returns the mean negative log-likelihood at {@link #beta()}.
     *
     * @return the mean NLL
     */
    double nll() {
        return sums[0] / rows;
    }

    /**
     * Returns the derivative of the mean NLL with respect to beta.
     *
     * @return the slope
     */
    double slope() {
        return sums[1] / rows;
    }

    /**
     * Returns the second derivative of the mean NLL with respect to beta, at least 0.
     *
     * @return the curvature
     */
    double curvature() {
        return sums[2] / rows;
    }

    /**
     * Returns the third derivative of the mean NLL with respect to beta, the mean third central
     * moment of the logits under {@code softmax(beta z)}.
     *
     * @return the third derivative
     */
    double thirdDerivative() {
        return sums[3] / rows;
    }

    /**
     * Returns the number of rows whose logits are not all equal.
     *
     * @return the non-constant rows
     */
    long nonConstantRows() {
        return nonConstantRows;
    }

    /**
     * Returns the number of rows whose label's logit is below the row's maximum.
     *
     * @return the rows whose label is not an arg-max
     */
    long labelBelowMaxRows() {
        return labelBelowMaxRows;
    }

    /**
     * Returns the slope's limit at {@code beta -> 0+}, the mean of {@code mean_c(z) - z[y]}.
     *
     * @return the mean slope at {@code beta = 0}
     */
    double slopeAtZero() {
        return slopeAtZero / rows;
    }
}
