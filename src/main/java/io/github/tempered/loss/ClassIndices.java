package io.github.tempered.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Reads class-index labels into Java, accepting the integer and whole-float types DJL uses. */
final class ClassIndices {

    private ClassIndices() {}

    /**
     * Copies class indices to a {@code long[]} in row-major order.
     *
     * @param labels integer labels, or floating labels holding whole numbers
     * @param argument the argument name for error messages
     * @return the labels as longs
     * @throws IllegalArgumentException for other types or non-whole floating values
     */
    static long[] read(NDArray labels, String argument) {
        DataType type = labels.getDataType();
        switch (type) {
            case INT64:
                return labels.toLongArray();
            case INT32:
                return widen(labels.toIntArray());
            case INT16:
                return widen(labels.toShortArray());
            case INT8:
                return widen(labels.toByteArray());
            case UINT8:
                return widen(labels.toUint8Array());
            case FLOAT64:
                return whole(labels.toDoubleArray(), labels.getShape(), argument);
            case FLOAT32:
                return whole(labels.toFloatArray(), labels.getShape(), argument);
            case FLOAT16:
            case BFLOAT16:
                try (NDArray single = labels.toType(DataType.FLOAT32, false)) {
                    return whole(single.toFloatArray(), labels.getShape(), argument);
                }
            default:
                throw new IllegalArgumentException(
                        argument
                                + ": class indices must be an integer type (or floating point"
                                + " holding whole numbers), got "
                                + type
                                + " of shape "
                                + labels.getShape());
        }
    }

    /**
     * Formats a flat row-major position as a multi-index, e.g. {@code (1, 0, 2)}.
     *
     * @param flat the flat position
     * @param shape the array's shape
     * @return the position as a tuple
     */
    static String position(long flat, Shape shape) {
        int rank = shape.dimension();
        if (rank == 0) {
            return "()";
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
        return sb.append(rank == 1 ? ",)" : ")").toString();
    }

    private static long[] widen(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static long[] widen(short[] values) {
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

    private static long[] whole(double[] values, Shape shape, String argument) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (v != Math.rint(v) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(
                        argument
                                + ": floating-point class indices must be whole numbers, got "
                                + v
                                + " at position "
                                + position(i, shape));
            }
            out[i] = (long) v;
        }
        return out;
    }

    private static long[] whole(float[] values, Shape shape, String argument) {
        double[] wide = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        return whole(wide, shape, argument);
    }
}
