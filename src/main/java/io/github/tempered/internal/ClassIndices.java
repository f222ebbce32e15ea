package io.github.tempered.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.LongBuffer;

/**
 * Reads class-index labels (PyTorch's {@code target} of class indices) from an {@link NDArray} into
 * Java, the one reader used by every Tempered entry point that takes class indices: the losses, and
 * the calibration package's {@code TemperatureScaler}, {@code CalibrationReport} and evaluators.
 *
 * <h2>Accepted types</h2>
 *
 * <ul>
 *   <li>Integer types: int64, int32, int8 and uint8 (DJL 0.36's PyTorch engine cannot create int16
 *       or unsigned 16-, 32- or 64-bit arrays, so none can reach this reader).
 *   <li>Floating types holding whole numbers (float32, float64, float16), only when the caller asks
 *       for them: DJL's own datasets produce float32 labels, so the losses and the evaluators
 *       accept them, while {@code TemperatureScaler.fit(NDArray, NDArray)} and {@code
 *       CalibrationReport} reject them (a fit silently run on probabilities or one-hot rows would
 *       be wrong). A NaN, an infinity, a fraction or a value outside the int64 range is rejected.
 *   <li>Anything else (boolean, complex, string) is rejected.
 * </ul>
 *
 * <p>Every rejection is an {@link IllegalArgumentException} whose message starts with the argument
 * name and names the type and shape, or the value and its position. Reading copies the labels from
 * the engine (from any device); a temporary array made for float16 labels is closed before
 * returning. The class has no state and is safe to use from any thread.
 */
public final class ClassIndices {

    /** Which label types a caller accepts. */
    public enum LabelTypes {
        /**
         * Integer types only: a fit silently run on probabilities or one-hot rows would be wrong.
         */
        INTEGERS,
        /**
         * Integer types, and floating types holding whole numbers (DJL's datasets make float32).
         */
        INTEGERS_OR_WHOLE_FLOATS
    }

    /** 2^63 as a double: whole floating values at or beyond it are no int64. */
    private static final double INT64_LIMIT = 0x1p63;

    private ClassIndices() {}

    /**
     * Copies class indices to a {@code long[]} in row-major order, checking their type and, for
     * floating labels, that every value is a whole number.
     *
     * @param labels the labels, any shape
     * @param argument the argument name that starts every error message, e.g. {@code "labels"}
     * @param accepted the label types accepted
     * @return the labels as longs
     * @throws IllegalArgumentException if {@code labels} is null, has a type that is not accepted,
     *     or holds a floating value that is not a whole number in the int64 range
     */
    public static long[] read(NDArray labels, String argument, LabelTypes accepted) {
        if (labels == null) {
            throw new IllegalArgumentException(argument + ": must not be null");
        }
        boolean acceptWholeFloats = accepted == LabelTypes.INTEGERS_OR_WHOLE_FLOATS;
        switch (labels.getDataType()) {
            case INT64:
                return longs(labels);
            case INT32:
                return widen(labels.toIntArray());
            case UINT8:
                return widen(labels.toUint8Array());
            case INT8:
                return widen(labels.toByteArray());
            case FLOAT64:
            case FLOAT32:
            case FLOAT16:
                if (!acceptWholeFloats) {
                    throw typeError(labels, argument, false);
                }
                return whole(labels, argument);
            default:
                throw typeError(labels, argument, acceptWholeFloats);
        }
    }

    /** Reads int64 labels through {@link Precision#nativeBytes} (a batch's in one heap copy). */
    private static long[] longs(NDArray labels) {
        LongBuffer buffer = Precision.nativeBytes(labels).asLongBuffer();
        long[] values = new long[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    /**
     * Copies class indices to a {@code long[]} as {@link #read(NDArray, String, LabelTypes)} does
     * and checks that each lies in {@code [0, numClasses)}.
     *
     * @param labels the labels, any shape
     * @param argument the argument name that starts every error message
     * @param accepted the label types accepted
     * @param numClasses the number of classes {@code C}
     * @param context what the classes belong to, appended to a range error, e.g. {@code "for logits
     *     of shape (4, 3)"}; may be empty
     * @return the labels as longs, each in {@code [0, C)}
     * @throws IllegalArgumentException as {@link #read(NDArray, String, LabelTypes)}, or if a label
     *     lies outside {@code [0, C)}
     */
    public static long[] read(
            NDArray labels, String argument, LabelTypes accepted, long numClasses, String context) {
        long[] values = read(labels, argument, accepted);
        Shape shape = labels.getShape();
        for (int i = 0; i < values.length; i++) {
            long y = values[i];
            if (y < 0 || y >= numClasses) {
                throw new IllegalArgumentException(
                        argument
                                + ": class index "
                                + y
                                + " at position "
                                + position(i, shape)
                                + " is outside [0, "
                                + numClasses
                                + ")"
                                + (context == null || context.isEmpty() ? "" : " " + context));
            }
        }
        return values;
    }

    /**
     * Formats a flat row-major position in an array of the given shape for messages: the plain
     * index for a vector, e.g. {@code 2}; a tuple otherwise, e.g. {@code (1, 0, 2)}; {@code ()} for
     * a scalar.
     *
     * @param flat the flat position
     * @param shape the array's shape
     * @return the position as text
     */
    public static String position(long flat, Shape shape) {
        int rank = shape.dimension();
        if (rank == 0) {
            return "()";
        }
        if (rank == 1) {
            return Long.toString(flat);
        }
        long[] index = new long[rank];
        long rest = flat;
        for (int d = rank - 1; d >= 0; d--) {
            long size = shape.get(d);
            index[d] = rest % size;
            rest /= size;
        }
        StringBuilder sb = new StringBuilder("(");
        for (int d = 0; d < rank; d++) {
            sb.append(d == 0 ? "" : ", ").append(index[d]);
        }
        return sb.append(')').toString();
    }

    private static IllegalArgumentException typeError(
            NDArray labels, String argument, boolean acceptWholeFloats) {
        DataType type = labels.getDataType();
        return new IllegalArgumentException(
                argument
                        + ": must be class indices of an integer type (int64, int32, int8 or"
                        + " uint8"
                        + (acceptWholeFloats ? ", or floating point holding whole numbers" : "")
                        + "), got "
                        + type
                        + " of shape "
                        + labels.getShape()
                        + (type.isFloating() && !acceptWholeFloats
                                ? "; convert whole-number labels with"
                                        + " labels.toType(DataType.INT64, false)"
                                : ""));
    }

    private static long[] whole(NDArray labels, String argument) {
        double[] values = Precision.toDoubles(labels);
        DataType type = labels.getDataType();
        Shape shape = labels.getShape();
        boolean single = type != DataType.FLOAT64;
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (v != Math.rint(v)) { // also NaN
                throw new IllegalArgumentException(
                        argument
                                + ": floating-point class indices must be whole numbers, got "
                                + format(v, single)
                                + " at position "
                                + position(i, shape));
            }
            if (!(Math.abs(v) < INT64_LIMIT)) {
                throw new IllegalArgumentException(
                        argument
                                + ": floating-point class indices must be whole numbers in the"
                                + " int64 range, got "
                                + format(v, single)
                                + " at position "
                                + position(i, shape));
            }
            out[i] = (long) v;
        }
        return out;
    }

    /** Prints a label as its own type does: a float32 1e30 as 1.0E30, not 1.0000000150474662E30. */
    private static String format(double v, boolean single) {
        return single ? Float.toString((float) v) : Double.toString(v);
    }

    private static long[] widen(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static long[] widen(byte[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
