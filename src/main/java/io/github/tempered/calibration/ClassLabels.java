package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Reads a vector of class indices into Java and checks it against the number of classes.
 *
 * <p>{@link CalibrationReport} takes integer labels only; the evaluators also take floating-point
 * labels holding whole numbers, as DJL's datasets produce them.
 */
final class ClassLabels {

    private ClassLabels() {}

    /**
     * Copies class indices to an {@code int[]}, checking shape, type and range.
     *
     * @param labels the labels, shape {@code (N)}
     * @param rows the expected length {@code N}
     * @param numClasses the number of classes {@code C}; every label must lie in {@code [0, C)}
     * @param inputName the name of the predictions argument, for messages
     * @param inputShape the shape of the predictions, for messages
     * @param allowWholeFloats whether floating-point labels holding whole numbers are accepted
     * @return the labels
     * @throws IllegalArgumentException if the labels have another shape, a type that is not
     *     accepted, a non-whole value, or a value outside {@code [0, C)}
     */
    static int[] read(
            NDArray labels,
            long rows,
            int numClasses,
            String inputName,
            Shape inputShape,
            boolean allowWholeFloats) {
        if (labels == null) {
            throw new IllegalArgumentException("labels: must not be null");
        }
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
        DataType type = labels.getDataType();
        double[] values;
        switch (type) {
            case INT64:
                values = widen(labels.toLongArray());
                break;
            case INT32:
                values = widen(labels.toIntArray());
                break;
            case INT16:
                values = widen(labels.toShortArray());
                break;
            case INT8:
                values = widen(labels.toByteArray());
                break;
            case UINT8:
                values = widen(labels.toUint8Array());
                break;
            case FLOAT64:
            case FLOAT32:
            case FLOAT16:
            case BFLOAT16:
                if (!allowWholeFloats) {
                    throw new IllegalArgumentException(
                            "labels: must be class indices of an integer type, got "
                                    + type
                                    + " of shape "
                                    + shape);
                }
                try (NDArray wide = labels.toType(DataType.FLOAT64, true)) {
                    values = wide.toDoubleArray();
                }
                break;
            default:
                throw new IllegalArgumentException(
                        "labels: must be class indices of an integer type"
                                + (allowWholeFloats
                                        ? " (or floating point holding whole numbers)"
                                        : "")
                                + ", got "
                                + type
                                + " of shape "
                                + shape);
        }
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (v != Math.rint(v)) {
                throw new IllegalArgumentException(
                        "labels: floating-point class indices must be whole numbers, got "
                                + v
                                + " at position "
                                + i);
            }
            if (!(v >= 0 && v < numClasses)) {
                throw new IllegalArgumentException(
                        "labels: class index "
                                + format(v)
                                + " at position "
                                + i
                                + " is outside [0, "
                                + numClasses
                                + ") for "
                                + inputName
                                + " of shape "
                                + inputShape);
            }
            out[i] = (int) v;
        }
        return out;
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e18
                ? Long.toString((long) v)
                : Double.toString(v);
    }

    private static double[] widen(long[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            // Values beyond 2^53 lose precision but stay out of range, which is all that matters.
            out[i] = values[i];
        }
        return out;
    }

    private static double[] widen(int[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static double[] widen(short[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static double[] widen(byte[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
