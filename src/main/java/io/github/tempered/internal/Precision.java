package io.github.tempered.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/** The types Tempered computes in, and float16 widening that keeps the autograd graph intact. */
public final class Precision {

    /** The most elements {@link #nativeBytes} reads through a heap copy of the bytes. */
    private static final long HEAP_READ_MAX = 1L << 16;

    private Precision() {}

    /**
     * Returns the type a computation on {@code type} runs in: float64 stays float64, everything
     * else (float32, float16) runs in float32.
     *
     * @param type the input's floating type
     * @return float64 or float32
     */
    public static DataType computeType(DataType type) {
        return type == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
    }

    /**
     * Converts {@code array} to its {@link #computeType} so that gradients still flow back: DJL's
     * {@code toType} runs without autograd, so the converted array would be cut off from the graph.
     * Adding a one-element zero of the wider type promotes instead, as PyTorch's type promotion
     * widens a dimensioned float16 array next to a dimensioned float32 one.
     *
     * @param array a floating-point array with at least one dimension
     * @return {@code array} itself when it already has its compute type, else the widened array,
     *     connected to the autograd graph
     */
    public static NDArray widen(NDArray array) {
        DataType type = computeType(array.getDataType());
        if (array.getDataType() == type) {
            return array;
        }
        NDArray zero = array.getManager().zeros(new Shape(1), type, array.getDevice());
        return array.add(zero);
    }

    /**
     * Reads a one-element float32 or float64 array, e.g. a loss value, with the fewest native
     * queries (its type and size are not asked for).
     *
     * @param scalar an array of one element
     * @param type its data type, float32 or float64
     * @return the value
     */
    public static double scalarValue(NDArray scalar, DataType type) {
        ByteBuffer bytes = heapBytes(scalar);
        return type == DataType.FLOAT64 ? bytes.getDouble(0) : bytes.getFloat(0);
    }

    /**
     * Copies a floating-point array into a new row-major {@code double[]}, widening exactly: one
     * native read for float64 and float32; float16 through a float32 copy that is closed here.
     *
     * @param array float64, float32 or float16
     * @return the values
     */
    public static double[] toDoubles(NDArray array) {
        DataType type = array.getDataType();
        if (type != DataType.FLOAT64 && type != DataType.FLOAT32) {
            // float16 widens exactly to float32 (bfloat16 cannot occur with DJL 0.36).
            try (NDArray wide = array.toType(DataType.FLOAT32, false)) {
                return toDoubles(wide);
            }
        }
        ByteBuffer bytes = nativeBytes(array);
        if (type == DataType.FLOAT64) {
            DoubleBuffer doubles = bytes.asDoubleBuffer();
            double[] values = new double[doubles.remaining()];
            doubles.get(values);
            return values;
        }
        FloatBuffer floats = bytes.asFloatBuffer();
        double[] values = new double[floats.remaining()];
        for (int k = 0; k < values.length; k++) {
            values[k] = floats.get(k);
        }
        return values;
    }

    /**
     * Returns an array's elements as bytes in native order, row-major: for small arrays (a value, a
     * column of N probabilities, a batch's labels) a heap copy, which takes fewer native queries
     * than the direct buffer (DJL checks layout and contiguity before handing that out); for large
     * ones the engine's direct buffer, without a second copy.
     *
     * @param array a numeric array on any device
     * @return its bytes, position 0
     */
    public static ByteBuffer nativeBytes(NDArray array) {
        if (array.size() > HEAP_READ_MAX) {
            return array.toByteBuffer(true).order(ByteOrder.nativeOrder());
        }
        return heapBytes(array);
    }

    private static ByteBuffer heapBytes(NDArray array) {
        return array.toByteBuffer(false).order(ByteOrder.nativeOrder());
    }
}
