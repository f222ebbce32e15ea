package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.ClassIndices;
import io.github.tempered.internal.ClassIndices.LabelTypes;
import io.github.tempered.internal.Inputs;
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
 * All four are invariant to adding a constant to the row, so the block keeps the shifted logits
 * {@code s = z - max(z) <= 0}: {@code exp(beta s)} then never overflows and its row sum is at least
 * 1. One evaluation is one loop over the block (an exp and a few multiply-adds per logit), split
 * over the common fork-join pool for large blocks; the per-row results are summed in row order, so
 * the totals do not depend on the number of threads.
 *
 * <p>Why a Java loop rather than engine operations: the JMH measurements in {@code
 * benchmarks/RESULTS.md} show the loop faster per pass on a 2-core CPU and, unlike the engine's
 * multi-threaded element-wise operations, insensitive to other load on the machine. The logits are
 * copied from the engine once per block (from any device).
 */
final class LogitBlock {

    /** Blocks with at least this many logits are evaluated in parallel. */
    private static final int PARALLEL_ELEMENTS = 1 << 16;

    private final int classes;
    private final double[] shifted;
    private final double[] shiftedLabel;
    private final long nonConstantRows;
    private final long labelBelowMaxRows;
    private final double slopeAtZero;

    private LogitBlock(
            int classes,
            double[] shifted,
            double[] shiftedLabel,
            long nonConstantRows,
            long labelBelowMaxRows,
            double slopeAtZero) {
        this.classes = classes;
        this.shifted = shifted;
        this.shiftedLabel = shiftedLabel;
        this.nonConstantRows = nonConstantRows;
        this.labelBelowMaxRows = labelBelowMaxRows;
        this.slopeAtZero = slopeAtZero;
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
     * Validates logits already copied into Java and prepares the block; {@code values} is shifted
     * in place and kept.
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
        double[] shiftedLabel = new double[rows];
        long nonConstant = 0;
        long belowMax = 0;
        double slopeAtZero = 0;
        for (int i = 0; i < rows; i++) {
            int offset = i * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double v = values[offset + c];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(
                            logitsName
                                    + ": must be finite, got "
                                    + v
                                    + " at ("
                                    + (firstRow + i)
                                    + ", "
                                    + c
                                    + ") of shape "
                                    + shape);
                }
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                double s = values[offset + c] - max;
                if (s == Double.NEGATIVE_INFINITY) {
                    throw new IllegalArgumentException(
                            logitsName
                                    + ": row "
                                    + (firstRow + i)
                                    + " spans more than the float64 range (max - min overflows),"
                                    + " in shape "
                                    + shape);
                }
                values[offset + c] = s;
                sum += s;
            }
            double label = values[offset + (int) labels[i]];
            shiftedLabel[i] = label;
            // Every shifted logit is <= 0: the sum is < 0 exactly when the row is not constant.
            if (sum < 0) {
                nonConstant++;
            }
            if (label < 0) {
                belowMax++;
            }
            slopeAtZero += sum / classes - label;
        }
        return new LogitBlock(classes, values, shiftedLabel, nonConstant, belowMax, slopeAtZero);
    }

    /**
     * Returns the number of rows.
     *
     * @return the rows in this block
     */
    int rows() {
        return shiftedLabel.length;
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
     * @return the rows not classified correctly (ties with the maximum count as correct)
     */
    long labelBelowMaxRows() {
        return labelBelowMaxRows;
    }

    /**
     * Returns the sum over rows of the slope's limit at {@code beta -> 0+}, {@code mean_c(z) -
     * z[y]}.
     *
     * @return the summed slope at {@code beta = 0}
     */
    double slopeAtZero() {
        return slopeAtZero;
    }

    /**
     * Adds this block's sums of the objective and its first three derivatives at {@code beta} to
     * {@code sums}.
     *
     * @param beta the inverse temperature, finite and greater than 0
     * @param sums the running sums, indexed nll, slope, curvature, third derivative
     */
    void accumulate(double beta, double[] sums) {
        int rows = rows();
        double[][] perRow = new double[4][rows];
        if ((long) rows * classes >= PARALLEL_ELEMENTS) {
            IntStream.range(0, rows).parallel().forEach(i -> evaluateRow(i, beta, perRow));
        } else {
            for (int i = 0; i < rows; i++) {
                evaluateRow(i, beta, perRow);
            }
        }
        for (int k = 0; k < 4; k++) {
            double total = 0;
            for (double v : perRow[k]) {
                total += v;
            }
            sums[k] += total;
        }
    }

    private void evaluateRow(int i, double beta, double[][] out) {
        int offset = i * classes;
        double partition = 0;
        double first = 0;
        double second = 0;
        double third = 0;
        for (int c = 0; c < classes; c++) {
            double s = shifted[offset + c];
            double e = Math.exp(beta * s);
            double es = e * s;
            partition += e;
            first += es;
            second += es * s;
            third += es * s * s;
        }
        double mean = first / partition;
        double square = second / partition;
        out[0][i] = Math.log(partition) - beta * shiftedLabel[i];
        out[1][i] = mean - shiftedLabel[i];
        out[2][i] = Math.max(0, square - mean * mean);
        out[3][i] = third / partition - 3 * mean * square + 2 * mean * mean * mean;
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
