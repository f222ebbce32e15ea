package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.ClassIndices;
import io.github.tempered.internal.ClassIndices.LabelTypes;
import io.github.tempered.internal.Inputs;

/**
 * Validates an {@code (N, C)} array of probabilities or logits and feeds its rows, as float64
 * probabilities, into {@link CalibrationStats}.
 *
 * <p>The engine widens each chunk of rows to float64; Java then reads the chunk and hands each row
 * to {@link CalibrationStats}, which checks it and computes the confidence, the prediction, the NLL
 * (for logits from the float64 log-softmax) and the Brier score. Every array created here is closed
 * before returning.
 */
final class RowScanner {

    /** Elements per chunk pulled from the engine: bounds the Java copy for large inputs. */
    private static final int CHUNK_ELEMENTS = 1 << 18;

    private RowScanner() {}

    /**
     * Checks that {@code input} is a floating-point {@code (N, C)} array with {@code N, C >= 1}.
     *
     * @param input the array
     * @param argument its argument name, for messages
     * @return its shape
     */
    static Shape checkMatrix(NDArray input, String argument) {
        if (input == null) {
            throw new IllegalArgumentException(argument + ": must not be null");
        }
        Shape shape = input.getShape();
        Inputs.requireReal(input, argument + ":");
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException(argument + ": must have shape (N, C), got " + shape);
        }
        if (shape.get(0) == 0) {
            throw new IllegalArgumentException(
                    argument + ": is empty (shape " + shape + "); at least one row is needed");
        }
        if (shape.get(1) == 0) {
            throw new IllegalArgumentException(
                    argument + ": has no classes (shape " + shape + "); C must be at least 1");
        }
        if (shape.get(1) > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException(
                    argument + ": has too many classes (shape " + shape + ")");
        }
        return shape;
    }

    /**
     * Reads the class indices of the rows of an {@code (N, C)} input, checking their shape, type
     * and range with {@link ClassIndices}.
     *
     * @param labels the labels, expected shape {@code (N)}
     * @param inputName the name of the input argument, for messages
     * @param inputShape the input's shape {@code (N, C)}, already checked
     * @param accepted the label types accepted
     * @return the labels, each in {@code [0, C)}
     * @throws IllegalArgumentException if the labels are null or have another shape, a type that is
     *     not accepted, a non-whole value or a value outside {@code [0, C)}
     */
    static int[] labels(NDArray labels, String inputName, Shape inputShape, LabelTypes accepted) {
        if (labels == null) {
            throw new IllegalArgumentException("labels: must not be null");
        }
        long rows = inputShape.get(0);
        Shape shape = labels.getShape();
        if (shape.dimension() != 1 || shape.get(0) != rows) {
            throw new IllegalArgumentException(
                    "labels: must have shape ("
                            + rows
                            + ") to match "
                            + inputName
                            + " of shape "
                            + inputShape
                            + ", got "
                            + shape);
        }
        long[] values =
                ClassIndices.read(
                        labels,
                        "labels",
                        accepted,
                        inputShape.get(1),
                        "for " + inputName + " of shape " + inputShape);
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (int) values[i]; // in [0, C), and C fits an int (checkMatrix)
        }
        return out;
    }

    /**
     * Adds every row of {@code input} to {@code sink}.
     *
     * @param input probabilities or logits, already checked by {@link #checkMatrix}
     * @param labels the true classes, already checked against the shape
     * @param scores what {@code input} holds
     * @param argument the input's argument name, for messages
     * @param firstRow the number of rows before {@code input}, added to row numbers in messages
     * @param sink where the rows go
     * @throws IllegalArgumentException for non-finite values, negative probabilities or probability
     *     rows that do not sum to 1 within {@link CalibrationReport#ROW_SUM_TOLERANCE}
     */
    static void scan(
            NDArray input,
            int[] labels,
            Scores scores,
            String argument,
            long firstRow,
            CalibrationStats sink) {
        boolean logits = scores == Scores.LOGITS;
        Shape shape = input.getShape();
        long rows = shape.get(0);
        int classes = (int) shape.get(1);
        // float16 and float32 probabilities clamp at float32's smallest normal number.
        double tiny =
                input.getDataType() == DataType.FLOAT64 ? Double.MIN_NORMAL : Float.MIN_NORMAL;
        long rowsPerChunk = Math.max(1, CHUNK_ELEMENTS / classes);
        for (long start = 0; start < rows; start += rowsPerChunk) {
            long end = Math.min(rows, start + rowsPerChunk);
            double[] values;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray chunk =
                        start == 0 && end == rows
                                ? input
                                : input.get(new NDIndex("{}:{}", start, end));
                values = chunk.toType(DataType.FLOAT64, false).toDoubleArray();
            }
            for (int r = 0; r < end - start; r++) {
                long rowIndex = start + r;
                int label = labels[(int) rowIndex];
                if (logits) {
                    sink.addLogits(
                            values, r * classes, classes, label, argument, firstRow + rowIndex);
                } else {
                    sink.addProbabilities(
                            values,
                            r * classes,
                            classes,
                            label,
                            tiny,
                            argument,
                            firstRow + rowIndex);
                }
            }
        }
    }
}
