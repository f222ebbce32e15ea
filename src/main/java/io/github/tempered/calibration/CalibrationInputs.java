package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.ClassIndices;
import io.github.tempered.internal.ClassIndices.LabelTypes;
import io.github.tempered.internal.Inputs;
import io.github.tempered.internal.Precision;

/**
 * Reads and validates the inputs of the calibrators into float64 Java arrays: multiclass logits
 * {@code (N, C)} with class indices, and binary scores {@code (N)} or {@code (N, 1)} with 0/1
 * labels. Every failure is an {@link IllegalArgumentException} naming the argument and what was
 * seen; nothing created here outlives a call.
 */
final class CalibrationInputs {

    private CalibrationInputs() {}

    /**
     * Multiclass fit data.
     *
     * @param logits the logits in row-major order, finite
     * @param labels the class of each row, in {@code [0, classes)}
     * @param rows the number of rows {@code N >= 1}
     * @param classes the number of classes {@code C}
     */
    record Multiclass(double[] logits, int[] labels, int rows, int classes) {}

    /**
     * Binary fit data.
     *
     * @param scores one finite score per row
     * @param labels 0 or 1 per row
     */
    record Binary(double[] scores, int[] labels) {}

    /**
     * Returns whether an input holds one score per row: shape {@code (N)} or {@code (N, 1)}.
     *
     * @param input the input, not null
     * @return whether it is binary
     */
    static boolean isBinary(NDArray input) {
        Shape shape = input.getShape();
        return shape.dimension() == 1 || (shape.dimension() == 2 && shape.get(1) == 1);
    }

    /**
     * Reads multiclass logits and class indices.
     *
     * @param logits {@code (N, C)} floating point, finite, {@code N >= 1}, {@code C >= 2}
     * @param labels {@code (N)} class indices of an integer type
     * @return the data
     * @throws IllegalArgumentException for invalid input
     */
    static Multiclass multiclass(NDArray logits, NDArray labels) {
        // Reading a view or an array on another device makes temporary copies: close them.
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return readMulticlass(logits, labels);
        }
    }

    private static Multiclass readMulticlass(NDArray logits, NDArray labels) {
        long[] classIndices =
                LogitBlock.readLabels(logits, labels, "logits", "labels", LabelTypes.INTEGERS);
        Shape shape = logits.getShape();
        requireRows(classIndices.length, "logits", shape);
        if (shape.get(1) < 2) {
            throw new IllegalArgumentException(
                    "logits: must have at least 2 classes, got shape "
                            + shape
                            + "; for one score per row use PlattScaler, or a binary input of shape"
                            + " (N) for IsotonicCalibrator and HistogramBinning");
        }
        int rows = Math.toIntExact(shape.get(0));
        int classes = Math.toIntExact(shape.get(1));
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = (int) classIndices[i];
        }
        return new Multiclass(finite(logits, "logits"), y, rows, classes);
    }

    /**
     * Reads binary scores and 0/1 labels.
     *
     * @param scores {@code (N)} or {@code (N, 1)} floating point, finite, {@code N >= 1}
     * @param labels {@code (N)} of an integer type, each 0 or 1
     * @return the data
     * @throws IllegalArgumentException for invalid input
     */
    static Binary binary(NDArray scores, NDArray labels) {
        return binary(scores, labels, "scores");
    }

    /**
     * Reads one value per row and 0/1 labels, naming the values {@code argument} in messages.
     *
     * @param scores {@code (N)} or {@code (N, 1)} floating point, finite, {@code N >= 1}
     * @param labels {@code (N)} of an integer type, each 0 or 1
     * @param argument the name of {@code scores} for messages
     * @return the data
     * @throws IllegalArgumentException for invalid input
     */
    static Binary binary(NDArray scores, NDArray labels, String argument) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return readBinary(scores, labels, argument);
        }
    }

    private static Binary readBinary(NDArray scores, NDArray labels, String argument) {
        requireBinaryShape(scores, argument);
        if (labels == null) {
            throw new IllegalArgumentException("labels: must not be null");
        }
        Shape shape = scores.getShape();
        long rows = shape.get(0);
        Shape labelShape = labels.getShape();
        if (labelShape.dimension() != 1 || labelShape.get(0) != rows) {
            throw new IllegalArgumentException(
                    "labels: must have shape ("
                            + rows
                            + "), one 0/1 label per row of the "
                            + argument
                            + " of shape "
                            + shape
                            + ", got "
                            + labelShape);
        }
        long[] values = ClassIndices.read(labels, "labels", LabelTypes.INTEGERS);
        requireRows(values.length, argument, shape);
        int[] y = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            long v = values[i];
            if (v != 0 && v != 1) {
                throw new IllegalArgumentException(
                        "labels: binary labels must be 0 or 1, got " + v + " at position " + i);
            }
            y[i] = (int) v;
        }
        return new Binary(finite(scores, argument), y);
    }

    /**
     * Checks that an input is floating point of shape {@code (N)} or {@code (N, 1)}.
     *
     * @param scores the input
     * @param argument its name for messages
     * @throws IllegalArgumentException if it is null, of another shape or not floating point
     */
    static void requireBinaryShape(NDArray scores, String argument) {
        if (scores == null) {
            throw new IllegalArgumentException(argument + ": must not be null");
        }
        if (!isBinary(scores)) {
            throw new IllegalArgumentException(
                    argument
                            + ": must have shape (N) or (N, 1), one score (logit) per row, got "
                            + scores.getShape());
        }
        Inputs.requireReal(scores, argument + ":");
    }

    /**
     * Checks that an input is floating point of shape {@code (N, classes)}.
     *
     * @param logits the input
     * @param classes the number of classes expected
     * @throws IllegalArgumentException if it is null, of another shape or not floating point
     */
    static void requireMatrix(NDArray logits, int classes) {
        if (logits == null) {
            throw new IllegalArgumentException("logits: must not be null");
        }
        Shape shape = logits.getShape();
        if (shape.dimension() != 2 || shape.get(1) != classes) {
            throw new IllegalArgumentException(
                    "logits: must have shape (N, " + classes + ") like the fit data, got " + shape);
        }
        Inputs.requireReal(logits, "logits:");
    }

    /**
     * Copies a floating-point array into a new row-major {@code double[]} and checks that every
     * value is finite.
     *
     * @param array the array, on any device
     * @param argument its name for messages
     * @return the values
     * @throws IllegalArgumentException naming the first NaN or infinite value and its position
     */
    static double[] finite(NDArray array, String argument) {
        double[] values = toDoubles(array);
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(
                        argument
                                + ": must be finite, got "
                                + values[i]
                                + " at "
                                + ClassIndices.position(i, array.getShape())
                                + " of shape "
                                + array.getShape());
            }
        }
        return values;
    }

    /**
     * Copies a floating-point array into a new row-major {@code double[]}.
     *
     * @param array float64, float32 or float16, on any device
     * @return the values, widened exactly
     */
    static double[] toDoubles(NDArray array) {
        // Reading a view or an array on another device makes temporary copies: close them.
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return Precision.toDoubles(array);
        }
    }

    /**
     * Refuses an empty fit input.
     *
     * @param rows the number of rows read
     * @param argument the input's name for the message
     * @param shape its shape for the message
     * @throws IllegalArgumentException if {@code rows} is 0
     */
    static void requireRows(int rows, String argument, Shape shape) {
        if (rows == 0) {
            throw new IllegalArgumentException(
                    argument
                            + ": empty input, got shape "
                            + shape
                            + "; a fit needs at least one row");
        }
    }
}
