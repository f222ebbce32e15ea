package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.ClassIndices;
import io.github.tempered.internal.ClassIndices.LabelTypes;
import io.github.tempered.internal.Inputs;
import io.github.tempered.internal.ScoreRows;
import java.util.stream.IntStream;

/**
 * A block of rows of logits and labels, validated, copied into the JVM as float64 and prepared for
 * evaluating the temperature scaling objective at many values of {@code beta = 1 / T}.
 *
 * <p>With {@code z} a row of logits, {@code y} its label and {@code p = softmax(beta z)}, the
 * objective per row and its first three derivatives in {@code beta} are
 *
 * <pre>
 *   nll   = logsumexp(beta z) - beta z[y]
 *   slope = E_p[z] - z[y]
 *   curv  = Var_p[z]  (>= 0, so the NLL is convex in beta)
 *   third = E_p[(z - E_p[z])^3]
 * </pre>
 *
 * All four are invariant to adding a constant to the row, so they are evaluated on the shifted
 * logits {@code s = z - max(z) <= 0}: {@code exp(beta s)} then never overflows and its row sum is
 * at least 1. One evaluation is one loop over the block (an exp and a few multiply-adds per logit),
 * split over the common fork-join pool for large blocks; the per-row results are added to the
 * running totals one row at a time, in row order, so the totals depend neither on the number of
 * threads nor on how the rows were cut into blocks.
 *
 * <p>Why a Java loop rather than engine operations: the JMH measurements in {@code
 * benchmarks/RESULTS.md} show the loop faster per pass on a 2-core CPU and, unlike the engine's
 * multi-threaded element-wise operations, insensitive to other load on the machine. The logits are
 * copied from the engine once per block (from any device).
 */
final class LogitBlock {

    /** Blocks with at least this many logits are evaluated in parallel. */
    private static final int PARALLEL_ELEMENTS = 1 << 16;

    /** Index of the NLL among the per-row terms of {@link #evaluateRow}. */
    static final int NLL = 0;

    /** Index of the first derivative (the slope) in beta. */
    static final int SLOPE = 1;

    /** Index of the second derivative (the curvature). */
    static final int CURVATURE = 2;

    /** Index of the third derivative. */
    static final int THIRD = 3;

    /** Index of the slope's limit at {@code beta -> 0+}, {@code mean_c(z) - z[y]}. */
    static final int SLOPE_AT_ZERO = 4;

    /** Index of the indicator that the row's logits are not all equal. */
    static final int NON_CONSTANT = 5;

    /** Index of the indicator that the label's logit is below the row's maximum. */
    static final int LABEL_BELOW_MAX = 6;

    /** The number of per-row terms. */
    static final int TERMS = 7;

    private final int classes;
    private final double[] values;
    private final double[] maxima;
    private final int[] labels;

    private LogitBlock(int classes, double[] values, double[] maxima, int[] labels) {
        this.classes = classes;
        this.values = values;
        this.maxima = maxima;
        this.labels = labels;
    }

    /**
     * Validates the logits of one block and prepares it.
     *
     * @param logits floating-point logits of shape {@code (rows, C)}, {@code rows >= 1}, on any
     *     device
     * @param labels the class index of each row, already checked to lie in {@code [0, C)}
     * @param firstRow the index of the block's first row in the whole input, for messages
     * @param logitsName the argument name for messages, e.g. {@code "logits"}
     * @param shape the shape of the whole input, for messages
     * @return the prepared block
     * @throws IllegalArgumentException if a logit is NaN or infinite, or a row's logits span more
     *     than the float64 range
     */
    static LogitBlock prepare(
            NDArray logits, long[] labels, long firstRow, String logitsName, Shape shape) {
        int classes = Math.toIntExact(logits.getShape().get(1));
        return prepare(
                CalibrationInputs.toDoubles(logits), classes, labels, firstRow, logitsName, shape);
    }

    /**
     * Validates logits already copied into Java and prepares the block; {@code values} is kept.
     *
     * @param values the logits, {@code rows x classes} row-major
     * @param classes the number of classes {@code C}
     * @param labels the class index of each row, in {@code [0, C)}
     * @param firstRow the index of the block's first row in the whole input, for messages
     * @param logitsName the argument name for messages
     * @param shape the shape of the whole input, for messages
     * @return the prepared block
     * @throws IllegalArgumentException if a logit is NaN or infinite, or a row's logits span more
     *     than the float64 range
     */
    static LogitBlock prepare(
            double[] values,
            int classes,
            long[] labels,
            long firstRow,
            String logitsName,
            Shape shape) {
        int rows = labels.length;
        double[] maxima = new double[rows];
        int[] classIndices = new int[rows];
        for (int i = 0; i < rows; i++) {
            maxima[i] = checkedMax(values, i * classes, classes, logitsName, firstRow + i, shape);
            classIndices[i] = (int) labels[i]; // in [0, C), and C fits an int
        }
        return new LogitBlock(classes, values, maxima, classIndices);
    }

    /**
     * Checks one row of logits and returns its maximum: every logit finite, and {@code max - min}
     * within the float64 range (so that every shifted logit {@code z - max} is finite).
     *
     * @param values the array holding the row
     * @param offset where the row starts
     * @param classes the row's length, at least 1
     * @param argument the argument name for messages
     * @param row the row's index for messages, or a negative number when unknown
     * @param shape the shape of the whole input for messages, or null
     * @return the row's maximum
     * @throws IllegalArgumentException for a NaN or infinite logit, or a row spanning more than the
     *     float64 range
     */
    static double checkedMax(
            double[] values, int offset, int classes, String argument, long row, Shape shape) {
        double max = ScoreRows.finiteMax(values, offset, classes, argument, row, shape);
        double min = max;
        for (int c = 0; c < classes; c++) {
            min = Math.min(min, values[offset + c]);
        }
        if (min - max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException(
                    argument
                            + ": "
                            + (row >= 0 ? "row " + row : "the row")
                            + " spans more than the float64 range (max - min overflows)"
                            + (shape == null ? "" : ", in shape " + shape));
        }
        return max;
    }

    /**
     * Evaluates the objective of one row at {@code beta}: writes its {@link #TERMS} per-row terms
     * to {@code out[index + k * stride]} for {@code k} = {@link #NLL}, {@link #SLOPE}, {@link
     * #CURVATURE}, {@link #THIRD}, {@link #SLOPE_AT_ZERO}, {@link #NON_CONSTANT} and {@link
     * #LABEL_BELOW_MAX}. The only per-row math of the temperature fit: the single-machine blocks
     * and the distributed {@link PassTotals#addRow} both call it.
     *
     * @param values the array holding the row's logits, checked by {@link #checkedMax}
     * @param offset where the row starts
     * @param classes the row's length
     * @param max the row's maximum
     * @param label the row's class index, in {@code [0, classes)}
     * @param beta the inverse temperature, finite and greater than 0
     * @param out receives the terms
     * @param index where the first term goes
     * @param stride the distance between terms
     */
    static void evaluateRow(
            double[] values,
            int offset,
            int classes,
            double max,
            int label,
            double beta,
            double[] out,
            int index,
            int stride) {
        double partition = 0;
        double first = 0;
        double second = 0;
        double third = 0;
        double shiftedSum = 0;
        for (int c = 0; c < classes; c++) {
            double s = values[offset + c] - max;
            double e = Math.exp(beta * s);
            double es = e * s;
            partition += e;
            first += es;
            second += es * s;
            third += es * s * s;
            shiftedSum += s;
        }
        double shiftedLabel = values[offset + label] - max;
        double mean = first / partition;
        double square = second / partition;
        out[index + NLL * stride] = Math.log(partition) - beta * shiftedLabel;
        out[index + SLOPE * stride] = mean - shiftedLabel;
        out[index + CURVATURE * stride] = Math.max(0, square - mean * mean);
        out[index + THIRD * stride] =
                third / partition - 3 * mean * square + 2 * mean * mean * mean;
        out[index + SLOPE_AT_ZERO * stride] = shiftedSum / classes - shiftedLabel;
        // Every shifted logit is <= 0: the sum is < 0 exactly when the row is not constant.
        out[index + NON_CONSTANT * stride] = shiftedSum < 0 ? 1 : 0;
        out[index + LABEL_BELOW_MAX * stride] = shiftedLabel < 0 ? 1 : 0;
    }

    /**
     * Returns the number of rows.
     *
     * @return the rows in this block
     */
    int rows() {
        return labels.length;
    }

    /**
     * Returns the number of classes.
     *
     * @return {@code C}
     */
    int classes() {
        return classes;
    }

    /**
     * Adds this block's {@link #TERMS} per-row terms at {@code beta} to {@code sums}, one row at a
     * time in row order. Large blocks are evaluated in parallel; the totals depend neither on the
     * number of threads nor on the cut into blocks.
     *
     * @param beta the inverse temperature, finite and greater than 0
     * @param sums the running sums, indexed as the terms of {@link #evaluateRow}
     */
    void accumulate(double beta, double[] sums) {
        int rows = rows();
        double[] perRow = new double[TERMS * rows];
        if ((long) rows * classes >= PARALLEL_ELEMENTS) {
            IntStream.range(0, rows).parallel().forEach(i -> evaluate(i, beta, perRow));
        } else {
            for (int i = 0; i < rows; i++) {
                evaluate(i, beta, perRow);
            }
        }
        // One row at a time into the running sums: the totals do not depend on how the rows were
        // cut into blocks (a fit over chunks read from a file equals the in-memory fit bit for
        // bit).
        for (int k = 0; k < TERMS; k++) {
            double total = sums[k];
            for (int i = k * rows; i < (k + 1) * rows; i++) {
                total += perRow[i];
            }
            sums[k] = total;
        }
    }

    private void evaluate(int i, double beta, double[] perRow) {
        evaluateRow(values, i * classes, classes, maxima[i], labels[i], beta, perRow, i, rows());
    }

    /**
     * Validates the logits' shape and type and reads the labels as class indices.
     *
     * @param logits the logits, expected {@code (N, C)} floating point
     * @param labels the labels, expected {@code (N)} of an integer type
     * @param logitsName the logits' argument name for messages
     * @param labelsName the labels' argument name for messages
     * @param accepted the label types accepted (DJL's datasets produce float32 labels)
     * @return the labels, each in {@code [0, C)}
     * @throws IllegalArgumentException naming the argument and what was seen, for null arrays,
     *     logits that are not {@code (N, C)} floating point or have no class, labels of another
     *     shape or type, and labels outside {@code [0, C)}
     */
    static long[] readLabels(
            NDArray logits,
            NDArray labels,
            String logitsName,
            String labelsName,
            LabelTypes accepted) {
        if (logits == null) {
            throw new IllegalArgumentException(logitsName + ": must not be null");
        }
        if (labels == null) {
            throw new IllegalArgumentException(labelsName + ": must not be null");
        }
        Shape shape = logits.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException(
                    logitsName + ": must have shape (N, C), got " + shape);
        }
        Inputs.requireReal(logits, logitsName + ":");
        long rows = shape.get(0);
        long classes = shape.get(1);
        if (classes == 0) {
            throw new IllegalArgumentException(
                    logitsName + ": must have at least one class, got shape " + shape);
        }
        Shape labelShape = labels.getShape();
        if (labelShape.dimension() != 1 || labelShape.get(0) != rows) {
            throw new IllegalArgumentException(
                    labelsName
                            + ": must have shape ("
                            + rows
                            + "), one class index per row of the logits of shape "
                            + shape
                            + ", got "
                            + labelShape);
        }
        return ClassIndices.read(
                labels, labelsName, accepted, classes, "for logits of shape " + shape);
    }
}
