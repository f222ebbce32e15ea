package io.github.tempered.calibration;

import io.github.tempered.internal.Inputs;
import java.io.Serializable;

/**
 * The totals of one pass of a temperature fit over the data at one inverse temperature {@code beta
 * = 1 / T}: the summed NLL and its first three derivatives in {@code beta}, in float64, plus what
 * the fit needs to know about the data (see {@link TemperatureScaler} for the method).
 *
 * <p><b>An extension point for distributed fits.</b> {@link TemperatureScaler} computes these
 * totals itself; code that holds the data elsewhere (one partition per machine, as in {@code
 * io.github.tempered.spark.TemperatureScaling}) creates one {@code PassTotals} per partition, adds
 * the partition's rows with {@link #addRow}, {@link #merge merges} the partitions' totals and hands
 * one merged total per pass to {@link TemperatureScaler#fitPasses}, which runs the same iteration
 * as the single-machine fits:
 *
 * <pre>{@code
 * TemperatureFit fit = new TemperatureScaler().fitPasses(beta ->
 *         rdd.treeAggregate(new PassTotals(beta),
 *                 (totals, row) -> { totals.addRow(row.logits(), row.label()); return totals; },
 *                 PassTotals::merge));
 * }</pre>
 *
 * Totals are {@link Serializable} and hold a fixed number of values whatever the number of rows.
 * The result equals a single-machine fit on the same rows up to the order of the float64 sums.
 * Instances are mutable and not thread-safe: use one per partition or thread.
 *
 * @serial exclude
 */
public final class PassTotals implements Serializable {

    private static final long serialVersionUID = 1L;

    private final double beta;

    /** The number of rows added (package-private so that solver tests can build totals). */
    long rows;

    private int classes = -1;

    /** The summed terms, indexed as {@link LogitBlock}'s term constants. */
    final double[] sums = new double[LogitBlock.TERMS];

    /** One row's terms, reused across {@link #addRow} calls. */
    private transient double[] rowTerms;

    /**
     * Creates empty totals for a pass at {@code beta}.
     *
     * @param beta the inverse temperature of the pass, as passed to the function given to {@link
     *     TemperatureScaler#fitPasses}
     * @throws IllegalArgumentException if {@code beta} is not finite and greater than 0
     */
    public PassTotals(double beta) {
        Inputs.requirePositiveFinite("beta", beta);
        this.beta = beta;
    }

    /**
     * Adds one block of rows.
     *
     * @param block the block
     */
    void add(LogitBlock block) {
        requireClasses(block.classes(), "logits: the block");
        block.accumulate(beta, sums);
        rows += block.rows();
    }

    /**
     * Adds one row of logits and its label, in plain Java arrays: the same per-row computation as
     * {@link TemperatureScaler#fit(ai.djl.ndarray.NDArray, ai.djl.ndarray.NDArray)}, in float64.
     *
     * @param logits the row's logits, finite; every row of a fit has the same length {@code C >= 1}
     * @param label the row's class index, in {@code [0, C)}
     * @throws IllegalArgumentException if {@code logits} is null, empty, of another length than the
     *     rows added before, holds a NaN or infinite value or spans more than the float64 range
     *     ({@code max - min} overflows), or if {@code label} lies outside {@code [0, C)}; nothing
     *     is added then
     */
    public void addRow(double[] logits, int label) {
        if (logits == null) {
            throw new IllegalArgumentException("logits: must not be null");
        }
        int c = logits.length;
        if (c == 0) {
            throw new IllegalArgumentException("logits: the row is empty; C must be at least 1");
        }
        if (label < 0 || label >= c) {
            throw new IllegalArgumentException(
                    "label: must be a class index in [0, " + c + "), got " + label);
        }
        double max = LogitBlock.checkedMax(logits, 0, c, "logits", -1, null);
        requireClasses(c, "logits: the row");
        if (rowTerms == null) {
            rowTerms = new double[LogitBlock.TERMS];
        }
        LogitBlock.evaluateRow(logits, 0, c, max, label, beta, rowTerms, 0, 1);
        for (int k = 0; k < LogitBlock.TERMS; k++) {
            sums[k] += rowTerms[k];
        }
        rows++;
    }

    /**
     * Adds the totals of other rows at the same {@code beta} to these, e.g. those of another
     * partition.
     *
     * @param other the other totals; unchanged
     * @return this object, holding the totals of both
     * @throws IllegalArgumentException if {@code other} is null, was computed at another {@code
     *     beta} or over rows of another length
     */
    public PassTotals merge(PassTotals other) {
        if (other == null) {
            throw new IllegalArgumentException("other: must not be null");
        }
        if (Double.compare(other.beta, beta) != 0) {
            throw new IllegalArgumentException(
                    "other: holds totals at beta = "
                            + other.beta
                            + ", these are at beta = "
                            + beta);
        }
        if (other.classes >= 0) {
            requireClasses(other.classes, "other: its rows");
        }
        for (int k = 0; k < LogitBlock.TERMS; k++) {
            sums[k] += other.sums[k];
        }
        rows += other.rows;
        return this;
    }

    private void requireClasses(int c, String subject) {
        if (classes < 0) {
            classes = c;
        } else if (c != classes) {
            throw new IllegalArgumentException(
                    subject + " has " + c + " classes but the rows before have " + classes);
        }
    }

    /**
     * Returns the inverse temperature of this pass.
     *
     * @return beta
     */
    public double beta() {
        return beta;
    }

    /**
     * Returns the number of rows added.
     *
     * @return the rows
     */
    public long rows() {
        return rows;
    }

    /**
     * Returns the mean negative log-likelihood at {@link #beta()}.
     *
     * @return the mean NLL, NaN when no row was added
     */
    public double nll() {
        return sums[LogitBlock.NLL] / rows;
    }

    /**
     * Returns the derivative of the mean NLL with respect to beta.
     *
     * @return the slope
     */
    double slope() {
        return sums[LogitBlock.SLOPE] / rows;
    }

    /**
     * Returns the second derivative of the mean NLL with respect to beta, at least 0.
     *
     * @return the curvature
     */
    double curvature() {
        return sums[LogitBlock.CURVATURE] / rows;
    }

    /**
     * Returns the third derivative of the mean NLL with respect to beta, the mean third central
     * moment of the logits under {@code softmax(beta z)}.
     *
     * @return the third derivative
     */
    double thirdDerivative() {
        return sums[LogitBlock.THIRD] / rows;
    }

    /**
     * Returns the number of rows whose logits are not all equal.
     *
     * @return the non-constant rows
     */
    long nonConstantRows() {
        return (long) sums[LogitBlock.NON_CONSTANT];
    }

    /**
     * Returns the number of rows whose label's logit is below the row's maximum.
     *
     * @return the rows whose label is not an arg-max
     */
    long labelBelowMaxRows() {
        return (long) sums[LogitBlock.LABEL_BELOW_MAX];
    }

    /**
     * Returns the slope's limit at {@code beta -> 0+}, the mean of {@code mean_c(z) - z[y]}.
     *
     * @return the mean slope at {@code beta = 0}
     */
    double slopeAtZero() {
        return sums[LogitBlock.SLOPE_AT_ZERO] / rows;
    }
}
